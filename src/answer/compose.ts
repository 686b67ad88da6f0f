// Turning chosen evidence into answer sentences. The model writes a short answer from the chosen
// sentences alone; each of its sentences must state what the evidence states (content words shared,
// every number and name present). When the wording drifts, the answer is the evidence itself,
// verbatim: a right answer is never dropped for its phrasing. Written in another language than the
// evidence's, only a short value (a period, a date, an amount, a name) can be checked word by word;
// anything else is the evidence verbatim, introduced in the question's language.
import { alignClaim, anchors, contentWords } from "./align.js";
import type { AnswerLanguage } from "./language.js";
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

/** Spanish number, period and month words, as English evidence writes them (contentWords' forms). */
const SPANISH_VALUE_WORDS: Record<string, string> = {
  uno: "1",
  una: "1",
  dos: "2",
  tres: "3",
  cuatro: "4",
  cinco: "5",
  seis: "6",
  siete: "7",
  ocho: "8",
  nueve: "9",
  diez: "10",
  doce: "12",
  quince: "15",
  veinte: "20",
  treinta: "30",
  sesenta: "60",
  noventa: "90",
  cien: "100",
  hora: "hour",
  horas: "hour",
  día: "day",
  días: "day",
  semana: "week",
  semanas: "week",
  mes: "month",
  meses: "month",
  año: "year",
  años: "year",
  enero: "january",
  febrero: "february",
  marzo: "march",
  abril: "april",
  mayo: "may",
  junio: "june",
  julio: "july",
  agosto: "august",
  septiembre: "september",
  setiembre: "september",
  octubre: "october",
  noviembre: "november",
  diciembre: "december",
};

/**
 * Words that make a claim whose truth turns on polarity or permission ("may not assign"): no
 * word-by-word check across languages can confirm those, so they are never written across languages.
 */
const SPANISH_CLAIM_WORDS =
  /(^|[^\p{L}])(s[ií]|no|ni|nunca|jam[aá]s|sin|ning[uú]n\p{L}*|pued\p{L}*|podr\p{L}*|deb\p{L}*|tiene|tienen|obliga\p{L}*|permit\p{L}*|prohib\p{L}*|excepto|salvo)(?=$|[^\p{L}])/iu;

/** Longest answer, in words, written in another language than its evidence. */
const MOST_WORDS_ACROSS = 16;

/** The facts a value answer states: its numbers and names, and its periods in the evidence's words. */
function valueFacts(answer: string): Set<string> {
  const facts = anchors(answer);
  for (const word of answer.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    const value = SPANISH_VALUE_WORDS[word];
    if (value) facts.add(value);
  }
  return facts;
}

/**
 * Accept a short answer written in the question's language over evidence in another: only a value
 * ("2 años", "la ley del State of New York") whose every number, name and period stands in the
 * sentences it cites, and no claim of permission or polarity. Null otherwise (the caller then shows
 * the evidence verbatim).
 */
export function alignAcrossLanguages(
  answer: string,
  chosen: readonly PassageSentence[],
): DraftSentence[] | null {
  const text = answer.replace(/\s+/g, " ").trim();
  const words = text.split(" ").filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (words.length === 0 || words.length > MOST_WORDS_ACROSS || SPANISH_CLAIM_WORDS.test(text)) return null;
  const facts = valueFacts(text);
  if (facts.size === 0) return null;
  const stating = chosen.filter((s) => {
    const evidence = contentWords(s.text);
    return [...facts].every((f) => evidence.has(f));
  });
  if (stating.length === 0) return null;
  return [{ text, evidence: stating.map((s) => s.id) }];
}

/** How the evidence is introduced when it is shown verbatim in another language than the question's. */
const VERBATIM_LEAD: Record<AnswerLanguage, string> = { en: "The document says", es: "Según el documento" };

/** The extractive answer for a question in another language: each chosen sentence verbatim, introduced in the question's. */
export function framedDraft(chosen: readonly PassageSentence[], language: AnswerLanguage): DraftSentence[] {
  return extractiveDraft(chosen).map((d) => ({ ...d, text: `${VERBATIM_LEAD[language]}: «${d.text}»` }));
}
