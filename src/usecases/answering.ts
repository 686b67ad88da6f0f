// Building the answer path from the configuration: one place for the API, the CLI and evaluation.
import { Answerer } from "../answer/answerer.js";
import { GenerationLimiter } from "../answer/limiter.js";
import type { Config } from "../config/index.js";
import { createGenerator, createJudge, type Embedder, type JsonGenerator } from "../models/index.js";
import { HybridRetriever } from "../retrieval/hybrid.js";
import { DocumentRepository } from "../store/documents.js";
import type { Store } from "../store/index.js";

/** Most tokens the chat model writes for one answer. */
export const ANSWER_MAX_TOKENS = 120;

/** What may differ between the Answerers of one process (per tenant): the model and the threshold. */
export interface AnswererVariant {
  /** The chat model (possibly framed with a tenant's wishes). */
  generator: JsonGenerator;
  /** Least judged support for an answer to be shown. */
  supportThreshold: number;
}

/** Retrieval over a store; with `withAnswers`, also the chat model, the judge and the bounded queue. */
export async function createAnswering(
  config: Config,
  store: Store,
  embedder: Embedder,
  withAnswers: boolean,
) {
  const documents = new DocumentRepository(store);
  const retriever = new HybridRetriever(store, embedder);
  if (!withAnswers) return { documents, retriever, answerer: null, generator: null, variant: null };
  const generator = await createGenerator(config);
  const judge = await createJudge(config);
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
  return { documents, retriever, answerer, generator, variant };
}
