// Building the answer path from the configuration: one place for the API, the CLI and evaluation.
import { Answerer } from "../answer/answerer.js";
import { GenerationLimiter } from "../answer/limiter.js";
import type { Config } from "../config/index.js";
import type { JsonGenerator, YesNoScorer } from "../models/index.js";
import type { HybridRetriever } from "../retrieval/hybrid.js";
import type { DocumentRepository } from "../store/documents.js";

/** Most tokens the chat model writes for one answer. */
export const ANSWER_MAX_TOKENS = 120;

/** What may differ between the Answerers of one process (per tenant): the model and the threshold. */
export interface AnswererVariant {
  /** The chat model (possibly framed with a tenant's wishes). */
  generator: JsonGenerator;
  /** Least judged support for an answer to be shown. */
  supportThreshold: number;
}

/** The models and search an answer is built from (src/usecases/services.ts opens them once per process). */
export interface AnswerParts {
  retriever: HybridRetriever;
  documents: DocumentRepository;
  generator: JsonGenerator;
  judge: YesNoScorer | null;
}

/** The process's Answerer over the chat model and the judge, and a maker of variants (per tenant) sharing its line. */
export function createAnswering(config: Config, parts: AnswerParts) {
  const { retriever, documents, generator, judge } = parts;
  // One line in front of every model of the process, whichever Answerer takes a place in it.
  const limiter = new GenerationLimiter(config.GENERATION_PARALLEL, config.GENERATION_QUEUE);
  const variant = (v: AnswererVariant) =>
    new Answerer(retriever, v.generator, limiter, documents, {
      maxOutputTokens: ANSWER_MAX_TOKENS,
      timeoutMs: config.ASK_TIMEOUT_MS,
      judge,
      supportThreshold: v.supportThreshold,
      style: config.ANSWER_STYLE,
    });
  const answerer = variant({ generator, supportThreshold: config.SUPPORT_THRESHOLD });
  return { answerer, generator, variant };
}

/** The answer path of a process: its Answerer, the chat model, and the maker of variants. */
export type Answering = ReturnType<typeof createAnswering>;
