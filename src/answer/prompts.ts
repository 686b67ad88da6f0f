// Every prompt Cited sends to a model lives here, under one version that each answer reports.
import type { AbstainReason } from "../../schemas/api.js";
import type { JsonSchema } from "../models/generator.js";
import { clauseName, conceptsOf } from "../retrieval/expansion.js";
import { asksForOpening, questionTopic } from "./evidence.js";
import { type AnswerLanguage, LANGUAGE_NAME, languageOf } from "./language.js";
import type { PassageSentence } from "./passages.js";

/** Bump when any text or schema below changes: answers carry it, so results stay comparable. */
export const PROMPT_VERSION = "answer-2026-12-08.1";

export const COMPOSE_SYSTEM_PROMPT = [
  "You answer a question in one or two short sentences, using only the evidence you are given.",
  "Say only what the evidence says. Copy names, numbers, dates and periods exactly as they are written.",
].join(" ");

/**
 * The compose prompt for an answer in `language`. Across languages only a short value can be checked
 * against the evidence (compose.ts), so the model is asked for just that.
 */
export function composeSystemPrompt(language: AnswerLanguage, acrossLanguages: boolean): string {
  if (language === "en" && !acrossLanguages) return COMPOSE_SYSTEM_PROMPT;
  const lines = [
    COMPOSE_SYSTEM_PROMPT,
    `Write the answer in ${LANGUAGE_NAME[language]}, the language of the question.`,
  ];
  if (acrossLanguages)
    lines.push(
      "When the question asks for a period, a date, an amount or a name, answer with just that, in a few words.",
    );
  return lines.join(" ");
}

export function composeUserPrompt(question: string, evidence: readonly PassageSentence[]): string {
  const lines = evidence.map((s, i) => `[${i + 1}] ${s.quote.replace(/\s+/g, " ").trim()}`);
  return `Evidence:\n${lines.join("\n")}\n\nQuestion: ${question}`;
}

export const composeSchema: JsonSchema = {
  type: "object",
  properties: { answer: { type: "string" } },
  required: ["answer"],
} as JsonSchema;

/** What the model returns under composeSchema. */
export interface ModelComposition {
  answer: string;
}

export const SUPPORT_SYSTEM_PROMPT = "You judge whether a passage answers a question. Reply Yes or No.";

/** "a" or "an", by the sound a name starts with (close enough for the clause names Cited knows). */
const withArticle = (name: string) => `${/^[aeiou]/i.test(name) ? "an" : "a"} ${name}`;

/**
 * What the judge is asked. For a question about a clause Cited knows (the most specific one it
 * names), whether the cited words are such a clause: a small judge tells "is this a non-compete
 * clause?" apart far better than whether a related clause answers a long CUAD question (README,
 * Evaluation). Any other question is asked as it is.
 */
export function judgedQuestion(question: string): string {
  if (asksForOpening(question)) return "Does this passage name a contract or its parties?";
  const concept = conceptsOf(questionTopic(question)).at(-1);
  return concept ? `Is this passage ${withArticle(clauseName(concept))} clause?` : question;
}

/** The support check: do the cited words, on their own, answer the question? */
export function supportUserPrompt(question: string, quotes: readonly string[]): string {
  const passage = quotes.map((q) => q.replace(/\s+/g, " ").trim()).join(" … ");
  return `Passage: ${passage}\n\nQuestion: ${judgedQuestion(question)}\n\nReply Yes or No.`;
}

/** Why an answer was declined, in words a user can act on, in the question's language. */
export const ABSTENTION_REASONS: Record<AnswerLanguage, Record<AbstainReason, string>> = {
  en: {
    no_passages: "nothing you may search matches the question",
    not_in_passages: "none of the closest passages answers it",
    unverified: "no quote for it could be verified on its page",
    low_support: "the passages that come closest do not state it clearly enough",
  },
  es: {
    no_passages: "nada de lo que puede consultar coincide con la pregunta",
    not_in_passages: "ninguno de los pasajes más cercanos la responde",
    unverified: "no se pudo verificar ninguna cita en su página",
    low_support: "los pasajes más cercanos no lo dicen con la claridad suficiente",
  },
};

/** The sentence shown when nothing could be verified, in the question's language. */
export function abstentionText(question: string, reason: AbstainReason): string {
  const q = question.trim();
  if (languageOf(q) === "es")
    return `Los documentos no lo dicen. Para «${q}», ${ABSTENTION_REASONS.es[reason]}; debajo tiene los pasajes más cercanos para leerlos.`;
  return `The documents do not say. For “${q}”, ${ABSTENTION_REASONS.en[reason]}; the closest passages are listed for you to read.`;
}
