import type { Config } from "../config/index.js";
import { findCatalogModel } from "./catalog.js";
import { LlamaEmbedder } from "./embedder.js";
import { LlamaGenerator } from "./generator.js";
import { locateModel } from "./locate.js";
import { resolveThreads } from "./runtime.js";
import { LlamaYesNoScorer } from "./scorer.js";

export { type Embedder, type EmbedKind, InputTooLongError, LlamaEmbedder } from "./embedder.js";
export {
  type GenerateJsonRequest,
  type GenerateJsonResult,
  GenerationIncompleteError,
  type JsonGenerator,
  type JsonSchema,
  LlamaGenerator,
} from "./generator.js";
export { locateModel, ModelNotProvisionedError } from "./locate.js";
export { configureRuntime, disposeRuntime, getRuntime } from "./runtime.js";
export { LlamaYesNoScorer, type YesNoScorer } from "./scorer.js";

/**
 * The configured embedding model (EMBED_MODEL), loaded once per process. One single-threaded context
 * per core: small encoders embed faster as independent lanes than as one context with a thread
 * barrier per layer (measured 1.25× on 2 cores).
 */
export async function createEmbedder(config: Config): Promise<LlamaEmbedder> {
  const path = await locateModel(config.EMBED_MODEL, config.MODELS_DIR);
  const threads = resolveThreads(config.LLAMA_THREADS);
  const prefixes = findCatalogModel(config.EMBED_MODEL)?.prefixes;
  return LlamaEmbedder.create({ modelId: config.EMBED_MODEL, path, threads, parallel: threads, prefixes });
}

/** The configured chat model (CHAT_MODEL) with GENERATION_PARALLEL sequences. */
export async function createGenerator(config: Config): Promise<LlamaGenerator> {
  const path = await locateModel(config.CHAT_MODEL, config.MODELS_DIR);
  return LlamaGenerator.create({
    modelId: config.CHAT_MODEL,
    path,
    contextTokens: config.CHAT_CONTEXT_TOKENS,
    parallel: config.GENERATION_PARALLEL,
    threads: config.LLAMA_THREADS,
  });
}

/** The configured judge (JUDGE_MODEL), or null when it is "none". */
export async function createJudge(config: Config): Promise<LlamaYesNoScorer | null> {
  if (config.JUDGE_MODEL === "none") return null;
  const path = await locateModel(config.JUDGE_MODEL, config.MODELS_DIR);
  return LlamaYesNoScorer.create({
    modelId: config.JUDGE_MODEL,
    path,
    contextTokens: 2048,
    threads: config.LLAMA_THREADS,
  });
}
