// The review view: start a review of the ready documents (or those with a tag), watch it fill, and
// read it as a documents × fields grid; "needs a look" keeps uncertain and not-found cells; a cell
// opens its page with the clause marked.
import { json } from "./api.js";
import { $, el } from "./dom.js";
import { t } from "./i18n.js";

const POLL_MS = 1500;
const ENDED = new Set(["completed", "cancelled", "failed"]);

/** The grid's words for a cell: its value, its quote, or its status. */
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

/** Review view wiring; `documents()` gives the documents listed in the UI, `open(citation, trigger)` opens its page. */
export function reviewView({ documents, open, plain }) {
  let review = null;
  let timer = 0;

  function render() {
    const grid = $("#review-grid");
    grid.replaceChildren();
    if (!review) return;
    const needsLook = $("#review-needs-look").checked;
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
        ...review.fields.map((f) => {
          const cell = cells.get(f.name);
          const hidden = needsLook && cell?.status === "found";
          const td = el("td", { "data-status": cell?.status ?? "pending", title: cell?.note || null });
          if (hidden) return td;
          const c = cell?.citations[0];
          td.append(
            c
              ? el("button", { type: "button", class: "link" }, cellLabel(cell), ` (p. ${c.page})`)
              : el("span", {}, cellLabel(cell)),
          );
          td.querySelector("button")?.addEventListener("click", (event) => open(c, event.currentTarget));
          return td;
        }),
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

  async function poll(id) {
    clearTimeout(timer);
    try {
      review = await json(`/v1/reviews/${encodeURIComponent(id)}`);
      render();
      if (!ENDED.has(review.state)) timer = setTimeout(() => poll(id), POLL_MS);
    } catch (error) {
      $("#review-status").textContent = plain(error);
    }
  }

  $("#review-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const tag = $("#review-tag").value.trim();
    const body = { template: $("#review-template").value };
    if (tag) body.tags = [tag];
    else
      body.document_ids = documents()
        .filter((d) => d.status === "ready")
        .map((d) => d.id)
        .slice(0, 500);
    try {
      const created = await json("/v1/reviews", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      poll(created.id);
    } catch (error) {
      $("#review-status").textContent = plain(error);
    }
  });
  $("#review-needs-look").addEventListener("change", render);
  return { rerender: render };
}
