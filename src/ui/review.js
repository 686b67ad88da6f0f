// The review view: start a review of the ready documents (or those with a tag), watch it fill, and
// read it as a documents × fields grid; "needs a look" keeps uncertain and not-found cells; a cell
// opens its page with the clause marked.
import { errorSentence, json } from "./api.js";
import { $, el } from "./dom.js";
import { t } from "./i18n.js";

/** @typedef {import("../../schemas/api.js").Citation} Citation */
/** @typedef {import("../../schemas/api.js").DocumentView} DocumentView */
/** @typedef {import("../../schemas/review.js").ReviewCell} ReviewCell */
/** @typedef {import("../../schemas/review.js").ReviewView} ReviewView */
/** @typedef {{ template: string, tags?: string[], document_ids?: string[] }} ReviewStart */

const POLL_MS = 1500;
const ENDED = new Set(["completed", "cancelled", "failed"]);
/** Documents one review may cover (the API's limit). */
const MAX_DOCUMENTS = 500;

/**
 * The grid's words for a cell: its value, its quote, or its status.
 * @param {ReviewCell | undefined} cell
 */
function cellLabel(cell) {
  if (!cell) return "…";
  if (cell.status === "not_found") return t("reviews.notFound");
  const v = cell.value;
  const value =
    v?.kind === "date" || v?.kind === "duration"
      ? v.iso
      : v?.kind === "money"
        ? `${v.amount} ${v.currency}`
        : v?.kind === "yes_no"
          ? t(v.yes ? "reviews.yes" : "reviews.no")
          : v?.kind === "text"
            ? v.text
            : (cell.citations[0]?.quote ?? "");
  return value.length > 120 ? `${value.slice(0, 117)}…` : value;
}

/** @typedef {(citation: Citation, trigger: HTMLElement) => void} OpenCitation */

/** The review shown, and the timer of its next poll while it runs. */
const shown = {
  /** @type {ReviewView | null} */
  review: null,
  timer: 0,
};

/**
 * A cell of the grid: its words, a button to its clause's page when it cites one; empty when only
 * cells that need a look are shown and this one was found.
 * @param {ReviewCell | undefined} cell
 * @param {boolean} needsLook
 * @param {OpenCitation} open
 */
function cellOfGrid(cell, needsLook, open) {
  const hidden = needsLook && cell?.status === "found";
  const td = el("td", { "data-status": cell?.status ?? "pending", title: cell?.note || null });
  if (hidden) return td;
  const c = cell?.citations[0];
  if (!c) {
    td.append(el("span", {}, cellLabel(cell)));
    return td;
  }
  const button = el("button", { type: "button", class: "link" }, cellLabel(cell), ` (p. ${c.page})`);
  button.addEventListener("click", () => open(c, button));
  td.append(button);
  return td;
}

/**
 * Draw the review shown as a documents × fields grid, and its counts.
 * @param {OpenCitation} open
 */
function renderReview(open) {
  const grid = $("#review-grid");
  grid.replaceChildren();
  const review = shown.review;
  if (!review) return;
  const needsLook = $("#review-needs-look", HTMLInputElement).checked;
  const head = el(
    "tr",
    {},
    el("th", { scope: "col" }, t("reviews.document")),
    ...review.fields.map((f) => el("th", { scope: "col", title: f.question }, f.name)),
  );
  const rows = review.rows.map((row) => {
    const cells = new Map(row.cells.map((c) => [c.field, c]));
    return el(
      "tr",
      {},
      el("th", { scope: "row" }, row.title),
      ...review.fields.map((f) => cellOfGrid(cells.get(f.name), needsLook, open)),
    );
  });
  grid.append(el("table", { class: "documents review" }, el("thead", {}, head), el("tbody", {}, rows)));
  const n = review.counts;
  $("#review-status").textContent = t("reviews.status", {
    state: review.state,
    found: n.found,
    uncertain: n.uncertain,
    notFound: n.not_found,
    cells: n.cells,
  });
}

/**
 * Fetch a review and draw it, again and again until it has ended.
 * @param {string} id
 * @param {OpenCitation} open
 */
async function poll(id, open) {
  clearTimeout(shown.timer);
  try {
    /** @type {ReviewView} */
    const review = await json(`/v1/reviews/${encodeURIComponent(id)}`);
    shown.review = review;
    renderReview(open);
    if (!ENDED.has(review.state)) shown.timer = setTimeout(() => poll(id, open), POLL_MS);
  } catch (error) {
    $("#review-status").textContent = errorSentence(error);
  }
}

/**
 * Start a review of the documents with the tag typed, or of every ready document listed; then follow it.
 * @param {DocumentView[]} documents
 * @param {OpenCitation} open
 */
async function startReview(documents, open) {
  const tag = $("#review-tag", HTMLInputElement).value.trim();
  /** @type {ReviewStart} */
  const body = { template: $("#review-template", HTMLSelectElement).value };
  if (tag) body.tags = [tag];
  else
    body.document_ids = documents
      .filter((d) => d.status === "ready")
      .map((d) => d.id)
      .slice(0, MAX_DOCUMENTS);
  try {
    /** @type {{ id: string }} */
    const created = await json("/v1/reviews", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    poll(created.id, open);
  } catch (error) {
    $("#review-status").textContent = errorSentence(error);
  }
}

/**
 * Review view wiring; `documents()` gives the documents listed in the UI, `open(citation, trigger)` opens its page.
 * @param {{ documents: () => DocumentView[], open: OpenCitation }} parts
 */
export function reviewView({ documents, open }) {
  $("#review-form").addEventListener("submit", (event) => {
    event.preventDefault();
    startReview(documents(), open);
  });
  $("#review-needs-look").addEventListener("change", () => renderReview(open));
  return { rerender: () => renderReview(open) };
}
