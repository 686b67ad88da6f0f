// Retrieved passages built by hand, for unit tests of the answer stages (one page, one span each).
import type { RetrievedPassage } from "../../src/retrieval/hybrid.js";

/** A passage of one page whose text is the whole of that page's stored text. */
export function retrievedPassage(id: string, page: number, text: string): RetrievedPassage {
  return {
    chunk_id: id,
    document_id: "doc_1",
    title: "MSA",
    section: "",
    text,
    page_start: page,
    page_end: page,
    char_start: 0,
    char_end: text.length,
    spans: [{ page, start: 0, end: text.length, at: 0 }],
    ordinal: 0,
    preamble: false,
    score: 1,
    similarity: 0.5,
    vectorRank: 1,
    textRank: 1,
  };
}

/** The same, as the chunk a contract opens with (its name, parties and date). */
export function openingPassage(id: string, page: number, text: string): RetrievedPassage {
  return { ...retrievedPassage(id, page, text), preamble: true };
}
