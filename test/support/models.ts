// Real models for tests: loaded once per test file from MODELS_DIR (provisioned by `npm run models`).
import { loadConfig } from "../../src/config/index.js";
import {
  createEmbedder,
  createGenerator,
  type LlamaEmbedder,
  type LlamaGenerator,
} from "../../src/models/index.js";

const embedders = new Map<string, Promise<LlamaEmbedder>>();
let generator: Promise<LlamaGenerator> | undefined;

/** An embedding model (the configured EMBED_MODEL unless named), once per process. */
export function testEmbedder(id?: string): Promise<LlamaEmbedder> {
  const config = loadConfig();
  const model = id ?? config.EMBED_MODEL;
  let embedder = embedders.get(model);
  if (!embedder) {
    embedder = createEmbedder({ ...config, EMBED_MODEL: model });
    embedders.set(model, embedder);
  }
  return embedder;
}

/** The configured chat model (CHAT_MODEL), once per process. */
export function testGenerator(): Promise<LlamaGenerator> {
  generator ??= createGenerator({ ...loadConfig(), CHAT_CONTEXT_TOKENS: 2048, GENERATION_PARALLEL: 1 });
  return generator;
}
