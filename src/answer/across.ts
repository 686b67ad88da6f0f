// Answers written in the question's language over evidence in another (a Spanish question, an English
// contract). Words cannot be matched across languages, so only a short value that answers a value
// question — a period, a date, an amount, a name — is checked and kept: every number, name, period and
// month of it must stand in the sentence it cites. Anything else is the evidence verbatim, introduced
// in the question's language.
import { anchors, contentWords } from "./align.js";
import { type DraftSentence, extractiveDraft } from "./compose.js";
import type { AnswerLanguage } from "./language.js";
import type { PassageSentence } from "./passages.js";

/** Spanish number, period and month words, as English evidence writes them (contentWords' forms). */
const SPANISH_VALUE_WORDS: Record<string, string> = {
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
const PERIOD_FACTS = new Set(["hour", "day", "week", "month", "year"]);
const MONTH_FACTS = new Set(
  Object.values(SPANISH_VALUE_WORDS).filter((v) => /^[a-z]+$/.test(v) && !PERIOD_FACTS.has(v)),
);

/** Spanish words that carry no content of their own. */
const SPANISH_STOP = new Set(
  "el la los las lo un una unos unas de del al a en y o u e que por para con se es son su sus este esta estos estas ese esa ni como más".split(
    " ",
  ),
);

/**
 * Words that make a claim whose truth turns on polarity or permission ("may not assign"): no
 * word-by-word check across languages can confirm those, so they are never written across languages.
 */
const SPANISH_CLAIM_WORDS =
  /(^|[^\p{L}])(s[ií]|no|ni|nunca|jam[aá]s|sin|ning[uú]n\p{L}*|pued\p{L}*|podr\p{L}*|deb\p{L}*|tiene|tienen|obliga\p{L}*|permit\p{L}*|prohib\p{L}*|excepto|salvo)(?=$|[^\p{L}])/iu;

/**
 * A question that asks for a value (what, which, how much, when, where, who) rather than yes or no.
 * Only the accented, interrogative forms: "que", "cuando", "donde" also join clauses.
 */
const VALUE_QUESTION = /(^|[^\p{L}])(qué|cuál(es)?|cuánt[oa]s?|cuándo|dónde|quién(es)?)(?=$|[^\p{L}])/iu;
/** A question that asks for a period: its answer must name one. */
const PERIOD_QUESTION =
  /antelaci[oó]n|preaviso|plazo|cu[aá]nto tiempo|cu[aá]nto dura|duraci[oó]n|per[ií]odo/i;
/** A question that asks for a date: its answer must hold a year or a month. */
const DATE_QUESTION = /fecha|cu[aá]ndo/i;

/** Longest answer, in words, written in another language than its evidence. */
const MOST_WORDS_ACROSS = 10;
/** Content words an answer may add beyond its facts and the question's own words. */
const MOST_UNCHECKED_WORDS = 1;

/** The words of a text, in lower case (one split for every rule here). */
const wordsOf = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u);

/** The facts a value answer states: its numbers and names, and its periods and months in the evidence's words. */
function valueFacts(answer: string): Set<string> {
  const facts = anchors(answer);
  for (const word of wordsOf(answer)) {
    const value = SPANISH_VALUE_WORDS[word];
    if (value) facts.add(value);
  }
  return facts;
}

/** Whether the answer is the kind of value the question asks for. */
function answersTheKind(question: string, facts: ReadonlySet<string>): boolean {
  if (!VALUE_QUESTION.test(question)) return false;
  if (DATE_QUESTION.test(question))
    return [...facts].some((f) => MONTH_FACTS.has(f) || /^(1[89]|20)\d\d$/.test(f));
  if (PERIOD_QUESTION.test(question)) return [...facts].some((f) => PERIOD_FACTS.has(f));
  return true;
}

/** Content words of the answer that are neither its facts nor words of the question. */
function uncheckedWords(answer: string, facts: ReadonlySet<string>, question: string): string[] {
  const asked = new Set(wordsOf(question));
  return wordsOf(answer)
    .filter((w) => w && !SPANISH_STOP.has(w) && !asked.has(w) && !SPANISH_VALUE_WORDS[w])
    .filter((w) => ![...contentWords(w)].every((c) => facts.has(c)));
}

/**
 * Accept a short answer written in the question's language over evidence in another: only the value a
 * value question asks for ("2 años", "31 de julio de 2019"), adding at most a word of its own, making
 * no claim of permission or polarity, whose every number, name, period and month stands in the
 * sentences it cites. Null otherwise (the caller then shows the evidence verbatim).
 */
export function alignAcrossLanguages(
  answer: string,
  chosen: readonly PassageSentence[],
  question: string,
): DraftSentence[] | null {
  const text = answer.replace(/\s+/g, " ").trim();
  const words = text.split(" ").filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (words.length === 0 || words.length > MOST_WORDS_ACROSS || SPANISH_CLAIM_WORDS.test(text)) return null;
  const facts = valueFacts(text);
  if (facts.size === 0 || !answersTheKind(question, facts)) return null;
  if (uncheckedWords(text, facts, question).length > MOST_UNCHECKED_WORDS) return null;
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
