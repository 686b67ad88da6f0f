// Every prompt Cited sends to a model lives here, under one version that each answer reports.
import type { JsonSchema } from "../models/generator.js";
import type { NumberedPassage } from "./passages.js";

/** Bump when any text or schema below changes: answers carry it, so results stay comparable. */
export const PROMPT_VERSION = "answer-2026-11-26.4";

export const ANSWER_SYSTEM_PROMPT = [
  "You answer questions about documents using only the passages you are given.",
  "Every passage sentence has an id such as S4.",
  "Answer the question in one to three short sentences of your own. After each sentence give the ids",
  "of the passage sentences that state it. Use nothing but the passages.",
].join(" ");

/** Passages as shown to the model: a header line per passage, then its numbered sentences. */
export function formatPassages(passages: readonly NumberedPassage[]): string {
  return passages
    .map(({ n, passage, sentences }) => {
      const pages =
        passage.page_start === passage.page_end
          ? `page ${passage.page_start}`
          : `pages ${passage.page_start}-${passage.page_end}`;
      const where = [passage.title, passage.section, pages].filter(Boolean).join(" | ");
      const body = sentences.map((s) => `${s.id}: ${s.text.replace(/\s+/g, " ")}`).join("\n");
      return `[${n}] ${where}\n${body}`;
    })
    .join("\n\n");
}

export function answerUserPrompt(question: string, passages: readonly NumberedPassage[]): string {
  return `Passages:\n\n${formatPassages(passages)}\n\nQuestion: ${question}`;
}

/**
 * The answer's JSON schema. Evidence ids are an enum of the sentence ids actually in the prompt, so
 * the model cannot cite anything it was not shown.
 */
export function answerSchema(passages: readonly NumberedPassage[]): JsonSchema {
  const ids = passages.flatMap((p) => p.sentences.map((s) => s.id));
  return {
    type: "object",
    properties: {
      // At least one sentence: whether the cited words really answer the question is decided by the
      // verifier and the judge, not by a small model's reluctance (it declined answerable questions).
      sentences: {
        type: "array",
        minItems: 1,
        maxItems: 3,
        items: {
          type: "object",
          properties: {
            text: { type: "string" },
            evidence: { type: "array", items: { enum: ids }, minItems: 1, maxItems: 3 },
          },
          required: ["text", "evidence"],
        },
      },
    },
    required: ["sentences"],
  } as JsonSchema;
}

/** What the model returns under answerSchema. */
export interface ModelAnswer {
  sentences: { evidence: string[]; text: string }[];
}

export const SUPPORT_SYSTEM_PROMPT = "You judge whether a passage answers a question. Reply Yes or No.";

/** The support check: do the cited words, on their own, answer the question? */
export function supportUserPrompt(question: string, quotes: readonly string[]): string {
  const passage = quotes.map((q) => q.replace(/\s+/g, " ").trim()).join(" … ");
  return `Passage: ${passage}\n\nQuestion: ${question}\n\nDoes the passage answer the question? Reply Yes or No.`;
}

/** The sentence shown when nothing could be verified. */
export function abstentionText(question: string): string {
  return `The documents do not say. No passage that you can search answers “${question.trim()}”; the closest passages are listed for you to read.`;
}
