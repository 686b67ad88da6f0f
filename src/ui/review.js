// The review view: start a review of the ready documents (or those with a tag), watch it fill, and
// read it as a documents × fields grid; "needs a look" keeps uncertain and not-found cells; a cell
// opens its page with the clause marked, and once the review has ended can be re-run (its question
// asked in other words).
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

/** How long cells being re-run are waited for before the grid stops polling, in milliseconds. */
const RERUN_WAIT_MS = 5 * 60_000;

/** The review shown, the timer of its next poll while it runs, and the cells being re-run. */
const shown = {
  /** @type {ReviewView | null} */
  review: null,
  timer: 0,
  /** Cells being re-run, by "document\nfield": what they were before (a change means they are done). */
  /** @type {Map<string, string>} */
  rerunning: new Map(),
  rerunUntil: 0,
};

/** @typedef {ReviewView["rows"][number]} ReviewRow */
/** @typedef {ReviewView["fields"][number]} ReviewField */
/** @typedef {{ needsLook: boolean, open: OpenCitation, rerun: ((trigger: HTMLElement) => void) | null, rerunning: boolean }} CellOptions */

const cellKey = (/** @type {string} */ documentId, /** @type {string} */ field) => `${documentId}\n${field}`;
/** What a cell was before a re-run: its content, and its row's time (which a re-run always changes). */
const cellState = (/** @type {ReviewRow} */ row, /** @type {string} */ field) =>
  `${JSON.stringify(row.cells.find((c) => c.field === field) ?? null)}|${row.duration_ms}`;

/**
 * A cell of the grid: its words, a button to its clause's page when it cites one, and once the review
 * has ended a button to re-run it; empty when only cells that need a look are shown and this one was found.
 * @param {ReviewCell | undefined} cell
 * @param {CellOptions} options
 */
function cellOfGrid(cell, { needsLook, open, rerun, rerunning }) {
  const hidden = needsLook && cell?.status === "found";
  const td = el("td", { "data-status": cell?.status ?? "pending", title: cell?.note || null });
  if (hidden) return td;
  if (rerunning) {
    td.append(el("span", { class: "hint" }, t("reviews.rerunning")));
    return td;
  }
  const c = cell?.citations[0];
  if (!c) td.append(el("span", {}, cellLabel(cell)));
  else {
    const button = el("button", { type: "button", class: "link" }, cellLabel(cell), ` (p. ${c.page})`);
    button.addEventListener("click", () => open(c, button));
    td.append(button);
  }
  if (rerun) td.append(rerunButton(rerun));
  return td;
}

/** @param {(trigger: HTMLElement) => void} rerun */
function rerunButton(rerun) {
  const button = el("button", { type: "button", class: "link small rerun" }, t("reviews.rerun"));
  button.addEventListener("click", () => rerun(button));
  return button;
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
  const ended = ENDED.has(review.state);
  const rows = review.rows.map((row) => {
    const cells = new Map(row.cells.map((c) => [c.field, c]));
    /** @param {ReviewField} f */
    const options = (f) => ({
      needsLook,
      open,
      rerun: ended ? () => rerunCell(review.id, row, f, open) : null,
      rerunning: shown.rerunning.has(cellKey(row.document_id, f.name)),
    });
    return el(
      "tr",
      {},
      el("th", { scope: "row" }, row.title),
      ...review.fields.map((f) => cellOfGrid(cells.get(f.name), options(f))),
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
    settleReruns(review);
    renderReview(open);
    const waiting = shown.rerunning.size > 0 && Date.now() < shown.rerunUntil;
    if (!ENDED.has(review.state) || waiting) shown.timer = setTimeout(() => poll(id, open), POLL_MS);
  } catch (error) {
    $("#review-status").textContent = errorSentence(error);
  }
}

/**
 * Cells whose re-run has come back are shown again.
 * @param {ReviewView} review
 */
function settleReruns(review) {
  for (const [key, before] of shown.rerunning) {
    const [documentId, field] = key.split("\n");
    const row = review.rows.find((r) => r.document_id === documentId);
    if (!row || cellState(row, field ?? "") !== before) shown.rerunning.delete(key);
  }
}

/**
 * Re-run one cell of an ended review, with its field's question in other words if the user gives
 * some; then follow the review until the cell comes back.
 * @param {string} reviewId
 * @param {ReviewRow} row
 * @param {ReviewField} field
 * @param {OpenCitation} open
 */
async function rerunCell(reviewId, row, field, open) {
  const asked = window.prompt(t("reviews.rerunPrompt"), field.question);
  if (asked === null) return;
  const question = asked.trim();
  /** @type {{ document_id: string, field: string, question?: string }} */
  const body = { document_id: row.document_id, field: field.name };
  if (question && question !== field.question) body.question = question;
  try {
    const before = cellState(row, field.name);
    await json(`/v1/reviews/${encodeURIComponent(reviewId)}/cells`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    shown.rerunning.set(cellKey(row.document_id, field.name), before);
    shown.rerunUntil = Date.now() + RERUN_WAIT_MS;
    poll(reviewId, open);
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
