// Turning chosen evidence into answer sentences. The model writes a short answer from the chosen
// sentences alone; each of its sentences must state what the evidence states (content words shared,
// every number and name present). When the wording drifts, the answer is the evidence itself,
// verbatim: a right answer is never dropped for its phrasing. (Across languages: across.ts.)
import { alignClaim, contentWords } from "./align.js";
import type { PassageSentence } from "./passages.js";

/** An answer sentence and the ids of the passage sentences it rests on. */
export interface DraftSentence {
  text: string;
  evidence: string[];
}

/** Split a written answer into sentences (at . ! ? followed by white space and a capital or digit). */
export function splitAnswer(answer: string): string[] {
  const pieces = answer
    .split(/(?<=[.!?])\s+(?=["“(]?[A-Z0-9])/)
    .map((s) => s.trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s));
  // A lead such as "Yes." claims nothing on its own: it stays with the sentence that says why.
  const out: string[] = [];
  for (const piece of pieces) {
    const prev = out.at(-1);
    if (prev !== undefined && contentWords(prev).size <= 1) out[out.length - 1] = `${prev} ${piece}`;
    else out.push(piece);
  }
  return out;
}

/** The same sentence said twice (case and spacing aside) is said once. */
function distinct(texts: readonly string[]): string[] {
  const seen = new Set<string>();
  return texts.filter((t) => {
    const key = [...contentWords(t)].sort().join(" ");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The extractive answer: each chosen sentence as it stands in the document, citing itself. */
export function extractiveDraft(chosen: readonly PassageSentence[]): DraftSentence[] {
  const drafts: DraftSentence[] = [];
  const seen = new Set<string>();
  for (const s of chosen) {
    const text = s.quote.replace(/\s+/g, " ").trim();
    if (seen.has(text)) continue;
    seen.add(text);
    drafts.push({ text, evidence: [s.id] });
  }
  return drafts;
}

/**
 * Align each sentence of a written answer with the chosen evidence. Returns null when any sentence
 * states something the evidence does not (the caller then answers extractively).
 */
export function alignWritten(
  answer: string,
  chosen: readonly PassageSentence[],
  question: string,
): DraftSentence[] | null {
  const texts = distinct(splitAnswer(answer));
  if (texts.length === 0) return null;
  const evidence = new Map(chosen.map((s) => [s.id, s.text]));
  const ids = chosen.map((s) => s.id);
  const drafts: DraftSentence[] = [];
  for (const text of texts) {
    const cited = alignClaim(text, ids, evidence, question);
    if (cited.length === 0) return null;
    drafts.push({ text, evidence: cited });
  }
  return drafts;
}
