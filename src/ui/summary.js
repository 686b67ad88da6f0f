// A document's cited summary, under the documents table: one sentence per topic (parties, purpose,
// term, money, obligations), each a quote verified on its page, with a button that opens that page.
import { errorSentence, json } from "./api.js";
import { $, el } from "./dom.js";
import { t } from "./i18n.js";

/** @typedef {import("../../schemas/api.js").Citation} Citation */
/** @typedef {import("../../schemas/api.js").DocumentView} DocumentView */
/** @typedef {import("../../schemas/review.js").DocumentSummary} DocumentSummary */
/** @typedef {(citation: Citation, trigger: HTMLElement) => void} OpenCitation */

/**
 * One sentence of the summary: its topic, its words, and a button per citation to its page.
 * @param {DocumentSummary["sentences"][number]} sentence
 * @param {Map<number, Citation>} citations
 * @param {OpenCitation} open
 */
function summarySentence(sentence, citations, open) {
  const buttons = sentence.citations.flatMap((n) => {
    const c = citations.get(n);
    if (!c) return [];
    const button = el(
      "button",
      { type: "button", class: "link citation" },
      `[${n}] ${t("summary.page", { page: c.page })}`,
    );
    button.addEventListener("click", () => open(c, button));
    return [" ", button];
  });
  return el("li", {}, el("strong", {}, `${sentence.topic}: `), sentence.text, ...buttons);
}

/**
 * Fetch a document's summary and show it in the summary panel.
 * @param {DocumentView} doc
 * @param {OpenCitation} open
 */
export async function showSummary(doc, open) {
  const panel = $("#summary-panel");
  panel.hidden = false;
  $("#summary-title").textContent = t("summary.title", { name: doc.name });
  const status = $("#summary-status");
  const list = $("#summary-sentences");
  list.replaceChildren();
  status.textContent = t("summary.loading");
  try {
    /** @type {DocumentSummary} */
    const summary = await json(`/v1/documents/${encodeURIComponent(doc.id)}/summary`);
    const citations = new Map(summary.citations.map((c) => [c.n, c]));
    list.replaceChildren(...summary.sentences.map((s) => summarySentence(s, citations, open)));
    status.textContent = summary.sentences.length
      ? t("summary.covered", {
          kept: summary.kept,
          proposed: summary.proposed,
          pages: summary.pages_covered.join(", "),
        })
      : t("summary.none");
  } catch (error) {
    status.textContent = errorSentence(error);
  }
  $("#summary-title").focus();
}
