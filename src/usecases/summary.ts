// Cited summaries: for each topic of the `summary` template (parties, purpose, term, money,
// obligations) the document's best sentence, verified on its page like an /v1/ask citation; computed
// once per document version and cached.
import type { Citation } from "../../schemas/api.js";
import type { DocumentRow } from "../../schemas/document.js";
import { DocumentSummary, type ReviewCell } from "../../schemas/review.js";
import type { AccessScope } from "../access/scope.js";
import type { CellExtractor } from "../review/extractor.js";
import { shippedTemplate } from "../review/templates.js";
import type { ReviewRepository } from "../store/reviews.js";

/** Number the cells' citations in order of first use and make one sentence per kept topic. */
export function summaryOf(doc: DocumentRow, cells: readonly ReviewCell[]): DocumentSummary {
  const citations: Citation[] = [];
  const sentences: DocumentSummary["sentences"] = [];
  for (const cell of cells) {
    if (cell.status === "not_found" || cell.citations.length === 0) continue;
    const ns = cell.citations.map((c) => {
      const same = citations.find(
        (k) => k.page === c.page && k.char_start === c.char_start && k.char_end === c.char_end,
      );
      if (same) return same.n;
      citations.push({ ...c, n: citations.length + 1 });
      return citations.length;
    });
    const text = cell.citations.map((c) => c.quote.replace(/\s+/g, " ").trim()).join(" ");
    sentences.push({ topic: cell.field, text, citations: ns });
  }
  // A topic counts as proposed when evidence was chosen for it, kept when it was verified.
  const proposed = cells.filter((c) => !/no sentence of the document/.test(c.note)).length;
  return {
    document_id: doc.id,
    sha256: doc.sha256,
    sentences,
    citations,
    proposed,
    kept: sentences.length,
    pages_covered: [...new Set(citations.map((c) => c.page))].sort((a, b) => a - b),
    cached: false,
    created_at: new Date().toISOString(),
  };
}

/** One cell per topic of the summary template. */
export async function summaryCells(extractor: CellExtractor, doc: DocumentRow, scope: AccessScope) {
  const cells: ReviewCell[] = [];
  // Summary topics are broad: their descriptions carry the words such sentences are written in.
  for (const field of shippedTemplate("summary").fields) {
    const searched = { ...field, question: `${field.question} ${field.description}` };
    cells.push({ ...(await extractor.cell(doc.id, searched, scope)), field: field.name });
  }
  return cells;
}

/** The document's cited summary: from the cache for this version, or made now and cached. */
export async function documentSummary(
  deps: { reviews: ReviewRepository; extractor: CellExtractor },
  doc: DocumentRow,
  scope: AccessScope,
): Promise<DocumentSummary> {
  const cached = await deps.reviews.summary(doc.id, doc.sha256, scope);
  if (cached) return { ...DocumentSummary.parse(JSON.parse(cached.summary_json)), cached: true };
  const summary = summaryOf(doc, await summaryCells(deps.extractor, doc, scope));
  await deps.reviews.putSummary({
    document_id: doc.id,
    sha256: doc.sha256,
    tenant: doc.tenant,
    acl: doc.acl,
    summary_json: JSON.stringify(summary),
  });
  return summary;
}
