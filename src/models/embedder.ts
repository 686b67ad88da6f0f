import type { LlamaEmbeddingContext, LlamaModel } from "node-llama-cpp";
import { loadModelFile, resolveThreads } from "./runtime.js";

/** An input has more tokens than the embedding model can see; nothing is cut silently. */
export class InputTooLongError extends Error {
  override name = "InputTooLongError";
  constructor(
    /** Tokens in the input, special tokens included. */
    readonly tokens: number,
    /** Most tokens the model accepts. */
    readonly maxTokens: number,
  ) {
    super(`input has ${tokens} tokens; the embedding model takes at most ${maxTokens}: split it first`);
  }
}

/** Turns text into unit-length vectors; the same model embeds chunks and questions. */
export interface Embedder {
  /** Model id as configured (catalog id, path or URI). */
  readonly modelId: string;
  /** Length of every vector. */
  readonly dimensions: number;
  /** Most tokens one input may have, special tokens included. */
  readonly maxTokens: number;
  /** Tokens the model sees for this text, special tokens included. */
  countTokens(text: string): number;
  /** Embed texts in order; rejects with InputTooLongError if any is too long (checked before any work). */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/** Options of a LlamaEmbedder. */
export interface LlamaEmbedderOptions {
  /** Model id reported to callers. */
  modelId: string;
  /** Path of the GGUF file. */
  path: string;
  /** CPU threads in all; 0 for every core. */
  threads?: number;
  /** Contexts that embed in parallel (each holds a copy of the KV cache, not of the weights). */
  parallel?: number;
}

function normalize(vector: readonly number[]): Float32Array {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! / norm;
  return out;
}

/** Embedder over node-llama-cpp embedding contexts, batches spread over `parallel` contexts. */
export class LlamaEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  readonly maxTokens: number;

  private constructor(
    modelId: string,
    model: LlamaModel,
    private readonly contexts: LlamaEmbeddingContext[],
  ) {
    this.modelId = modelId;
    this.dimensions = model.embeddingVectorSize;
    // llama.cpp needs the input strictly shorter than the context.
    this.maxTokens = model.trainContextSize - 1;
  }

  /** Load the model (once per process) and create the embedding contexts. */
  static async create(options: LlamaEmbedderOptions): Promise<LlamaEmbedder> {
    const model = await loadModelFile(options.path);
    const parallel = Math.max(1, options.parallel ?? 1);
    const threads = resolveThreads(options.threads);
    const contexts: LlamaEmbeddingContext[] = [];
    for (let i = 0; i < parallel; i++) {
      contexts.push(
        await model.createEmbeddingContext({
          contextSize: model.trainContextSize,
          batchSize: model.trainContextSize,
          threads: Math.max(1, Math.floor(threads / parallel)),
        }),
      );
    }
    return new LlamaEmbedder(options.modelId, model, contexts);
  }

  countTokens(text: string): number {
    return this.contexts[0]!.calculateInputLength(text);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    for (const text of texts) {
      const tokens = this.countTokens(text);
      if (tokens > this.maxTokens) throw new InputTooLongError(tokens, this.maxTokens);
    }
    const out = new Array<Float32Array>(texts.length);
    let next = 0;
    const lane = async (ctx: LlamaEmbeddingContext) => {
      while (next < texts.length) {
        const i = next++;
        out[i] = normalize((await ctx.getEmbeddingFor(texts[i]!)).vector);
      }
    };
    await Promise.all(this.contexts.map(lane));
    return out;
  }

  /** Release the contexts (the model stays loaded for the process). */
  async dispose(): Promise<void> {
    for (const ctx of this.contexts) await ctx.dispose();
  }
}
