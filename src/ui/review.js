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

/**
 * Review view wiring; `documents()` gives the documents listed in the UI, `open(citation, trigger)` opens its page.
 * @param {{ documents: () => DocumentView[], open: (citation: Citation, trigger: HTMLElement) => void }} parts
 */
export function reviewView({ documents, open }) {
  /** @type {ReviewView | null} */
  let review = null;
  let timer = 0;

  function render() {
    const grid = $("#review-grid");
    grid.replaceChildren();
    const shown = review;
    if (!shown) return;
    const needsLook = $("#review-needs-look", HTMLInputElement).checked;
    const head = el(
      "tr",
      {},
      el("th", { scope: "col" }, t("reviews.document")),
      ...shown.fields.map((f) => el("th", { scope: "col", title: f.question }, f.name)),
    );
    const rows = shown.rows.map((row) => {
      const cells = new Map(row.cells.map((c) => [c.field, c]));
      return el(
        "tr",
        {},
        el("th", { scope: "row" }, row.title),
        ...shown.fields.map((f) => {
          const cell = cells.get(f.name);
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
        }),
      );
    });
    grid.append(el("table", { class: "documents review" }, el("thead", {}, head), el("tbody", {}, rows)));
    const n = shown.counts;
    $("#review-status").textContent = t("reviews.status", {
      state: shown.state,
      found: n.found,
      uncertain: n.uncertain,
      notFound: n.not_found,
      cells: n.cells,
    });
  }

  /** @param {string} id */
  async function poll(id) {
    clearTimeout(timer);
    try {
      /** @type {ReviewView} */
      const shown = await json(`/v1/reviews/${encodeURIComponent(id)}`);
      review = shown;
      render();
      if (!ENDED.has(shown.state)) timer = setTimeout(() => poll(id), POLL_MS);
    } catch (error) {
      $("#review-status").textContent = errorSentence(error);
    }
  }

  $("#review-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const tag = $("#review-tag", HTMLInputElement).value.trim();
    /** @type {ReviewStart} */
    const body = { template: $("#review-template", HTMLSelectElement).value };
    if (tag) body.tags = [tag];
    else
      body.document_ids = documents()
        .filter((d) => d.status === "ready")
        .map((d) => d.id)
        .slice(0, 500);
    try {
      /** @type {{ id: string }} */
      const created = await json("/v1/reviews", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      poll(created.id);
    } catch (error) {
      $("#review-status").textContent = errorSentence(error);
    }
  });
  $("#review-needs-look").addEventListener("change", render);
  return { rerender: render };
}
