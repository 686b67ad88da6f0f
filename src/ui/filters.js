// The ask view's filters: only some documents (the ready ones are listed to tick), tags, a file type;
// the summary beside "Filters" says what is chosen.
import { $, el, splitList } from "./dom.js";
import { t } from "./i18n.js";

/** @typedef {import("../../schemas/api.js").DocumentView} DocumentView */
/** @typedef {import("../../schemas/api.js").SearchFilters} SearchFilters */

/**
 * The filters chosen, or undefined when none is.
 * @returns {SearchFilters | undefined}
 */
export function selectedFilters() {
  /** @type {SearchFilters} */
  const filters = {};
  const ticked = /** @type {NodeListOf<HTMLInputElement>} */ (
    document.querySelectorAll("#filter-document-list input:checked")
  );
  const ids = [...ticked].map((i) => i.value);
  if (ids.length) filters.document_ids = ids;
  const tags = splitList($("#filter-tags", HTMLInputElement).value);
  if (tags.length) filters.tags = tags;
  const type = $("#filter-type", HTMLSelectElement).value;
  if (type) filters.types = [/** @type {NonNullable<SearchFilters["types"]>[number]} */ (type)];
  return Object.keys(filters).length ? filters : undefined;
}

function updateFilterSummary() {
  const f = selectedFilters();
  const parts = [];
  if (f?.document_ids) parts.push(t("filters.documentsCount", { n: f.document_ids.length }));
  if (f?.tags) parts.push(t("filters.tagsList", { tags: f.tags.join(", ") }));
  if (f?.types) parts.push($("#filter-type", HTMLSelectElement).selectedOptions[0]?.textContent);
  $("#filter-summary").textContent = parts.length ? `(${parts.join("; ")})` : t("filters.none");
}

/**
 * List the ready documents to tick (keeping the ticks), and say what is chosen.
 * @param {DocumentView[]} documents
 */
export function renderFilterDocuments(documents) {
  const list = $("#filter-document-list");
  const boxes = /** @type {NodeListOf<HTMLInputElement>} */ (list.querySelectorAll("input:checked"));
  const checked = new Set([...boxes].map((i) => i.value));
  const ready = documents.filter((d) => d.status === "ready");
  list.replaceChildren(
    ...ready.map((d) =>
      el(
        "li",
        {},
        el(
          "label",
          {},
          el("input", { type: "checkbox", value: d.id, checked: checked.has(d.id) }),
          el("span", {}, d.title && d.title !== d.name ? `${d.title} (${d.name})` : d.name),
        ),
      ),
    ),
  );
  $("#filter-documents-empty").hidden = ready.length > 0;
  updateFilterSummary();
}

/** Keep the summary true as filters change. */
export function wireFilters() {
  $("#filters").addEventListener("change", updateFilterSummary);
  $("#filter-tags").addEventListener("input", updateFilterSummary);
}
