// The documents view's library: the table of documents (kept fresh while some are being read), more
// of them on request, a ready document's cited summary, and deleting one after a confirmation.
import { AuthError, errorSentence, json } from "./api.js";
import { $, el, formatTime } from "./dom.js";
import { t } from "./i18n.js";
import { showSummary } from "./summary.js";
import { forgetDocument } from "./viewer.js";

/** @typedef {import("../../schemas/api.js").DocumentList} DocumentList */
/** @typedef {import("../../schemas/api.js").DocumentView} DocumentView */
/** @typedef {{ quiet?: boolean }} LoadOptions quiet: no "loading" line while the list is fetched */
/** @typedef {import("./summary.js").OpenCitation} OpenCitation */

const STATUS_KEYS = new Set(["queued", "processing", "ready", "failed"]);
/** How often the list is fetched again while documents are being read, in milliseconds. */
const POLL_MS = 1500;
const PAGE_SIZE = 100;
const MAX_LISTED = 500;

/** The documents listed, and how many there are in all. */
const library = {
  /** @type {DocumentView[]} */
  documents: [],
  total: 0,
  limit: PAGE_SIZE,
  pollTimer: 0,
};

/**
 * A document's status badge, with its error and how it was read.
 * @param {DocumentView} d
 */
function statusCell(d) {
  const cell = el(
    "td",
    { "data-label": t("library.status"), class: "status-cell", "data-status": d.status },
    el(
      "span",
      { class: `badge ${d.status}` },
      STATUS_KEYS.has(d.status) ? t(`status.${d.status}`) : d.status,
    ),
  );
  if (d.status === "failed" && d.error) cell.append(el("p", { class: "error-text" }, d.error));
  // How the file was read, where it matters (approximate pages, unread scans, attachments left out).
  for (const note of d.notes ?? []) cell.append(el("p", { class: "hint note" }, note));
  return cell;
}

/** @typedef {(d: DocumentView, trigger: HTMLElement) => void} RowAction */

/**
 * A document's actions: its cited summary once it is ready, and deleting it.
 * @param {DocumentView} d
 * @param {{ onDelete: RowAction, onSummary: RowAction }} actions
 */
function rowActions(d, { onDelete, onSummary }) {
  const remove = el(
    "button",
    {
      type: "button",
      class: "secondary small delete",
      "aria-label": t("library.deleteLabel", { name: d.name }),
    },
    t("library.delete"),
  );
  remove.addEventListener("click", () => onDelete(d, remove));
  if (d.status !== "ready") return el("td", {}, remove);
  const summary = el(
    "button",
    { type: "button", class: "secondary small", "aria-label": t("library.summaryLabel", { name: d.name }) },
    t("library.summary"),
  );
  summary.addEventListener("click", () => onSummary(d, summary));
  return el("td", { class: "actions" }, summary, " ", remove);
}

/**
 * A document's row of the table.
 * @param {DocumentView} d
 * @param {{ onDelete: RowAction, onSummary: RowAction }} actions
 */
function documentRow(d, actions) {
  const name = el("td", { class: "name", "data-label": t("library.name") }, el("strong", {}, d.name));
  if (d.title && d.title !== d.name) name.append(el("div", { class: "hint" }, d.title));
  if (d.source_path) name.append(el("div", { class: "hint" }, d.source_path));
  return el(
    "tr",
    { "data-document-id": d.id, "data-status": d.status },
    name,
    statusCell(d),
    el("td", { "data-label": t("library.type") }, d.type ? t(`type.${d.type}`) : "—"),
    el(
      "td",
      { "data-label": t("library.pages"), class: "pages" },
      d.pages ?? "—",
      d.page_numbers === "approximate" ? el("div", { class: "hint" }, t("library.approximate")) : null,
    ),
    el("td", { "data-label": t("library.passages"), class: "chunks" }, d.chunks ?? "—"),
    el(
      "td",
      { "data-label": t("library.tags") },
      d.tags.length
        ? el(
            "span",
            { class: "tags" },
            d.tags.map((tag) => el("span", { class: "tag" }, tag)),
          )
        : "—",
    ),
    el("td", { "data-label": t("library.added") }, formatTime(d.created_at)),
    rowActions(d, actions),
  );
}

/**
 * Ask before deleting a document; then delete it and list again.
 * @param {DocumentView} d
 * @param {HTMLElement} trigger gets the focus back when nothing is deleted
 * @param {() => Promise<void>} reload
 */
async function confirmDelete(d, trigger, reload) {
  const dialog = $("#confirm-dialog", HTMLDialogElement);
  $("#confirm-title").textContent = t("delete.title", { name: d.name });
  $("#confirm-text").textContent = t("delete.text");
  dialog.returnValue = "";
  dialog.showModal();
  await new Promise((resolve) => dialog.addEventListener("close", resolve, { once: true }));
  if (dialog.returnValue !== "confirm") {
    trigger.focus();
    return;
  }
  const status = $("#documents-status");
  try {
    await json(`/v1/documents/${encodeURIComponent(d.id)}`, { method: "DELETE" });
    forgetDocument(d.id);
    await reload();
    status.classList.remove("problem");
    status.textContent = t("delete.done", { name: d.name });
    $("#documents-title").focus();
  } catch (error) {
    if (error instanceof AuthError) return;
    status.textContent = t("delete.failed", { name: d.name, reason: errorSentence(error) });
    status.classList.add("problem");
    trigger.focus();
  }
}

/**
 * Documents view wiring. `isSignedIn()` stops the polling after signing out; `onRender(documents)`
 * is told each time the list is drawn (the ask view's filters list them too); `open(citation,
 * trigger)` opens a summary citation's page.
 * @param {{ isSignedIn: () => boolean, onRender: (documents: DocumentView[]) => void, open: OpenCitation }} parts
 */
export function documentsView({ isSignedIn, onRender, open }) {
  const reloadQuietly = () => load({ quiet: true });
  const actions = {
    /** @type {RowAction} */
    onDelete: (d, trigger) => void confirmDelete(d, trigger, reloadQuietly),
    /** @type {RowAction} */
    onSummary: (d) => void showSummary(d, open),
  };

  function render() {
    $("#documents-body").replaceChildren(...library.documents.map((d) => documentRow(d, actions)));
    $("#documents-empty").hidden = library.documents.length > 0;
    $("#documents-table").hidden = library.documents.length === 0;
    $("#documents-count").textContent = library.total ? `(${library.total})` : "";
    $("#documents-more").hidden = library.documents.length >= library.total;
    onRender(library.documents);
  }

  /** @param {LoadOptions} [options] */
  async function load({ quiet = false } = {}) {
    clearTimeout(library.pollTimer);
    const status = $("#documents-status");
    if (!quiet && !library.documents.length) status.textContent = t("library.loading");
    try {
      /** @type {DocumentList} */
      const list = await json(`/v1/documents?limit=${library.limit}`);
      library.documents = list.items;
      library.total = list.total;
      status.textContent = "";
      status.classList.remove("problem");
      render();
    } catch (error) {
      if (error instanceof AuthError) return;
      status.textContent = t("library.cannotList", { reason: errorSentence(error) });
      status.classList.add("problem");
    }
    // Keep the list fresh while something is being read.
    clearTimeout(library.pollTimer);
    if (isSignedIn() && library.documents.some((d) => d.status === "queued" || d.status === "processing")) {
      library.pollTimer = setTimeout(reloadQuietly, POLL_MS);
    }
  }

  $("#documents-refresh").addEventListener("click", () => load());
  $("#documents-more").addEventListener("click", () => {
    library.limit = Math.min(MAX_LISTED, library.limit + PAGE_SIZE);
    load();
  });
  return {
    load,
    render,
    /** The documents listed. */
    documents: () => library.documents,
    /** Stop keeping the list fresh (signing out). */
    stopPolling: () => clearTimeout(library.pollTimer),
  };
}
