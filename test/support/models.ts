// Real models for tests: loaded once per test file from MODELS_DIR (provisioned by `npm run models`).
import { loadConfig } from "../../src/config/index.js";
import {
  createEmbedder,
  createGenerator,
  type LlamaEmbedder,
  type LlamaGenerator,
} from "../../src/models/index.js";

let embedder: Promise<LlamaEmbedder> | undefined;
let generator: Promise<LlamaGenerator> | undefined;

/** The configured embedding model (EMBED_MODEL), once per process. */
export function testEmbedder(): Promise<LlamaEmbedder> {
  embedder ??= createEmbedder(loadConfig());
  return embedder;
}

/** The configured chat model (CHAT_MODEL), once per process. */
export function testGenerator(): Promise<LlamaGenerator> {
  generator ??= createGenerator({ ...loadConfig(), CHAT_CONTEXT_TOKENS: 2048, GENERATION_PARALLEL: 1 });
  return generator;
}
