// Choosing the evidence: of all sentences of the retrieved passages, the few that share the most
// telling words with the question (and with the clause vocabulary of what it asks about). Measured on
// CUAD's tuning contracts, this scorer puts a sentence of the evidence page first or second far more
// often than the 0.5B chat model choosing among the same sentences, in no time (README, Evaluation).
import { conceptsOf, conceptTerms } from "../retrieval/expansion.js";
import { asksForPreamble } from "../retrieval/titles.js";
import { anchors, contentWords } from "./align.js";
import type { NumberedPassage, PassageSentence } from "./passages.js";

/** Words of a question that every contract question has and that tell nothing apart. */
const GENERIC = new Set(
  "contract agreement party parties counterparty clause include includes including incl contain provision provide require required category document".split(
    " ",
  ),
);

/** How much a word of the clause vocabulary counts against a word of the question itself. */
const VOCABULARY_WEIGHT = 0.5;
/** How much each step down the retrieval ranking costs a sentence (on a 0…1 match scale). */
const RANK_PENALTY = 0.1;

/**
 * The question without the contract's title: a leading "In the "X" contract:" or "En el contrato "X","
 * goes, and "el contrato "X"" inside a Spanish question becomes "el contrato" (a title is a filter,
 * not a topic).
 */
export function questionTopic(question: string): string {
  return question
    .replace(
      /^\s*(in the|en el (contrato|acuerdo))\s+["“][^"”]*["”]\s*(contract|agreement|document)?\s*[:,-]?\s*/i,
      "",
    )
    .replace(/\b(contrato|acuerdo)\s+["“][^"”]*["”]/gi, "$1");
}

/**
 * Score every sentence: the question's words it contains, each weighted by how rare it is among the
 * candidates (a word in every sentence tells nothing), plus half weight for clause vocabulary,
 * scaled to 0…1 and lowered a little for each rank its passage stands below the first.
 */
export function scoreSentences(question: string, numbered: readonly NumberedPassage[]): Map<string, number> {
  const topic = questionTopic(question);
  const own = [...contentWords(topic)].filter((w) => !GENERIC.has(w));
  const vocabulary = [...contentWords(conceptTerms(topic).join(" "))].filter((w) => !own.includes(w));
  const sentences = numbered.flatMap((p) =>
    p.sentences.map((s) => ({ id: s.id, rank: p.n, words: contentWords(s.text) })),
  );
  const df = new Map<string, number>();
  for (const s of sentences) for (const w of s.words) df.set(w, (df.get(w) ?? 0) + 1);
  const idf = (w: string) => Math.log(1 + sentences.length / (1 + (df.get(w) ?? 0)));
  const matched = (words: ReadonlySet<string>, terms: readonly string[]) =>
    terms.reduce((sum, w) => sum + (words.has(w) ? idf(w) : 0), 0);
  const raw = sentences.map((s) => matched(s.words, own) + VOCABULARY_WEIGHT * matched(s.words, vocabulary));
  const top = Math.max(0, ...raw);
  return new Map(
    sentences.map((s, i) => [s.id, (top > 0 ? raw[i]! / top : 0) - RANK_PENALTY * (s.rank - 1)]),
  );
}

/**
 * The `count` best-matching sentences, best first; none when no sentence shares a telling word with
 * the question (the passages are then beside the point).
 */
export function chooseEvidence(
  question: string,
  numbered: readonly NumberedPassage[],
  count: number,
): PassageSentence[] {
  const opening = openingSentences(question, numbered, count);
  if (opening.length > 0) return opening;
  if (namesAbsent(question, numbered)) return [];
  const byId = new Map(numbered.flatMap((p) => p.sentences.map((s) => [s.id, s] as const)));
  return [...scoreSentences(question, numbered)]
    .filter(([id, score]) => score > 0 && byId.has(id))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([id]) => byId.get(id)!);
}

/** Whether a question asks what a contract states in its opening (its name, parties or date) rather than about a clause. */
export function asksForOpening(question: string): boolean {
  const topic = questionTopic(question);
  return asksForPreamble(topic) && conceptsOf(topic).length === 0;
}

/**
 * For a question about the contract's name, parties or date, the first sentences of its preamble:
 * that is where a contract states them, in words ("parties", "agreement") that every clause shares,
 * so scoring words would pick any clause. None when no preamble was retrieved, or when the question
 * is about a clause ("shared ownership between the parties") rather than the opening.
 */
function openingSentences(
  question: string,
  numbered: readonly NumberedPassage[],
  count: number,
): PassageSentence[] {
  if (!asksForOpening(question)) return [];
  const preamble = numbered.find((p) => p.passage.preamble && p.sentences.length > 0);
  return preamble ? preamble.sentences.slice(0, count) : [];
}

/**
 * Whether a question that names someone or something ("Initech's obligations to Umbrella Health")
 * names what no retrieved passage mentions: then the passages are about others, and no sentence of
 * theirs answers it. Questions about a clause Cited knows are exempt (CUAD's own questions capitalise
 * clause names such as "Non-Compete").
 */
function namesAbsent(question: string, numbered: readonly NumberedPassage[]): boolean {
  const topic = questionTopic(question);
  if (conceptsOf(topic).length > 0) return false;
  const names = [...anchors(topic)].filter((w) => !/\d/.test(w));
  if (names.length === 0) return false;
  const words = contentWords(numbered.map((p) => p.passage.text).join(" "));
  return names.some((name) => !words.has(name));
}
