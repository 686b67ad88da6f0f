// Building the answer path from the configuration: one place for the API, the CLI and evaluation.
import { Answerer } from "../answer/answerer.js";
import { GenerationLimiter } from "../answer/limiter.js";
import type { Config } from "../config/index.js";
import { createGenerator, createJudge, type Embedder } from "../models/index.js";
import { HybridRetriever } from "../retrieval/hybrid.js";
import { DocumentRepository } from "../store/documents.js";
import type { Store } from "../store/index.js";

/** Most tokens the chat model writes for one answer. */
export const ANSWER_MAX_TOKENS = 120;

/** Retrieval over a store; with `withAnswers`, also the chat model, the judge and the bounded queue. */
export async function createAnswering(
  config: Config,
  store: Store,
  embedder: Embedder,
  withAnswers: boolean,
) {
  const documents = new DocumentRepository(store);
  const retriever = new HybridRetriever(store, embedder);
  if (!withAnswers) return { documents, retriever, answerer: null, generator: null };
  const generator = await createGenerator(config);
  const answerer = new Answerer(
    retriever,
    generator,
    new GenerationLimiter(config.GENERATION_PARALLEL, config.GENERATION_QUEUE),
    documents,
    {
      maxOutputTokens: ANSWER_MAX_TOKENS,
      timeoutMs: config.ASK_TIMEOUT_MS,
      judge: await createJudge(config),
      supportThreshold: config.SUPPORT_THRESHOLD,
      style: (process.env.CITED_ANSWER_STYLE as "written" | "extractive" | undefined) ?? "written",
    },
  );
  return { documents, retriever, answerer, generator };
}
