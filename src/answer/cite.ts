// The cite stage: every evidence id of every answer sentence becomes a citation only when its words
// are found in the passage, mapped to a page, and equal to the stored page text there. A sentence
// left with no verified citation is dropped; an answer never shows an unproven quote.
import type { AnswerSentence, Citation } from "../../schemas/api.js";
import type { AccessScope } from "../access/scope.js";
import type { RetrievedPassage } from "../retrieval/hybrid.js";
import type { DocumentRepository } from "../store/documents.js";
import type { DraftSentence } from "./compose.js";
import type { NumberedPassage, PassageSentence } from "./passages.js";
import { verifyQuote } from "./verify.js";

/** Stored text of a page of a document, or undefined when the caller may not read it. */
export type PageTextReader = (documentId: string, page: number) => Promise<string | undefined>;

/** Stored page text of the retrieved passages' pages, read once per document and only as the scope may. */
export function storedPageReader(
  documents: DocumentRepository,
  retrieved: readonly RetrievedPassage[],
  scope: AccessScope,
): PageTextReader {
  const cache = new Map<string, Promise<Map<number, string>>>();
  return async (documentId, page) => {
    let pages = cache.get(documentId);
    if (!pages) {
      const wanted = retrieved
        .filter((p) => p.document_id === documentId)
        .flatMap((p) => p.spans.map((s) => s.page));
      pages = documents.pageTexts(documentId, [...new Set(wanted)], scope);
      cache.set(documentId, pages);
    }
    return (await pages).get(page);
  };
}

/** Sentences with verified citations, the citations, and how many sentences had none. */
export interface CitedAnswer {
  sentences: AnswerSentence[];
  citations: Citation[];
  dropped: number;
}

/** Where a citation stands, as a reader writes it: "§ 8.1 Termination, p. 14", or "p. 14". */
export function citedPlace(citation: Pick<Citation, "section" | "page">): string {
  return citation.section ? `§ ${citation.section}, p. ${citation.page}` : `p. ${citation.page}`;
}

/** Verify one passage sentence; the citation it becomes, or null. */
async function citationFor(
  ref: { p: NumberedPassage; s: PassageSentence },
  pageText: PageTextReader,
): Promise<Omit<Citation, "n"> | null> {
  const { p, s } = ref;
  const pages = new Map<number, string | undefined>();
  for (const span of p.passage.spans) pages.set(span.page, await pageText(p.passage.document_id, span.page));
  const location = verifyQuote(s.quote, {
    text: p.passage.text,
    spans: p.passage.spans,
    pageText: (n) => pages.get(n),
  });
  if (!location) return null;
  return {
    chunk_id: p.passage.chunk_id,
    document_id: p.passage.document_id,
    title: p.passage.title,
    section: p.passage.section,
    page: location.page,
    quote: location.exact,
    char_start: location.charStart,
    char_end: location.charEnd,
    verified: true,
  };
}

/** Where a citation's words stand: two citations with the same key quote the same span. */
export const citationKey = (c: Pick<Citation, "document_id" | "page" | "char_start" | "char_end">) =>
  `${c.document_id}:${c.page}:${c.char_start}:${c.char_end}`;

/** Cite each draft sentence's evidence, numbering citations in order of first use. */
export async function citeAnswer(
  drafts: readonly DraftSentence[],
  numbered: readonly NumberedPassage[],
  pageText: PageTextReader,
): Promise<CitedAnswer> {
  const byId = new Map(numbered.flatMap((p) => p.sentences.map((s) => [s.id, { p, s }] as const)));
  const byKey = new Map<string, Citation>();
  const citations: Citation[] = [];
  const sentences: AnswerSentence[] = [];
  let dropped = 0;
  for (const draft of drafts) {
    const ns: number[] = [];
    for (const id of draft.evidence) {
      const ref = byId.get(id);
      const found = ref ? await citationFor(ref, pageText) : null;
      if (!found) continue;
      const key = citationKey(found);
      let citation = byKey.get(key);
      if (!citation) {
        citation = { n: citations.length + 1, ...found };
        byKey.set(key, citation);
        citations.push(citation);
      }
      if (!ns.includes(citation.n)) ns.push(citation.n);
    }
    const text = draft.text.trim();
    if (text.length === 0 || ns.length === 0) {
      if (text.length > 0) dropped++;
      continue;
    }
    sentences.push({ text, citations: ns });
  }
  return { sentences, citations, dropped };
}
