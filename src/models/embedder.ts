// The embedding model: text → unit-length vectors, questions and passages each in the form the model
// was trained on.
import type { LlamaEmbeddingContext, LlamaModel, Token } from "node-llama-cpp";
import { recordEmbeddingTokens } from "../lib/metrics.js";
import { loadModelFile, resolveThreads } from "./runtime.js";

/**
 * What a text is to the embedder: a question searched with, or a passage searched in. Models trained
 * with instructions (e5) read each after its own prefix; others read both the same way.
 */
export type EmbedKind = "query" | "passage";

/** Text an instruction-trained embedding model expects before each kind of input (e5: "query: "). */
export type EmbedPrefixes = Readonly<Record<EmbedKind, string>>;

const NO_PREFIXES: EmbedPrefixes = { query: "", passage: "" };

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
  /** Most tokens one input may have, special tokens and prefix included. */
  readonly maxTokens: number;
  /** Tokens the model sees for this text as `kind`: special tokens and the model's prefix included. */
  countTokens(text: string, kind: EmbedKind): number;
  /**
   * Embed texts of one kind in order; rejects with InputTooLongError if any is too long (checked
   * before any work). A text with nothing to embed (control characters only) gets an empty vector.
   */
  embed(texts: readonly string[], kind: EmbedKind): Promise<Float32Array[]>;
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
  /** Text put before questions and passages (none by default). */
  prefixes?: EmbedPrefixes;
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
  /** Token put first when the model asks for one and node-llama-cpp does not add it itself. */
  private readonly bos: Token | null;
  /** Tokens of each prefix alone: a text that adds none to them has nothing to embed. */
  private readonly prefixTokens: Readonly<Record<EmbedKind, number>>;

  private constructor(
    modelId: string,
    private readonly model: LlamaModel,
    private readonly contexts: LlamaEmbeddingContext[],
    private readonly prefixes: EmbedPrefixes,
  ) {
    this.modelId = modelId;
    this.dimensions = model.embeddingVectorSize;
    // llama.cpp needs the input strictly shorter than the context.
    this.maxTokens = model.trainContextSize - 1;
    this.bos = model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
    this.prefixTokens = {
      query: model.tokenize(prefixes.query).length,
      passage: model.tokenize(prefixes.passage).length,
    };
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
    return new LlamaEmbedder(options.modelId, model, contexts, options.prefixes ?? NO_PREFIXES);
  }

  /**
   * The input tokens of a text, the end token left to node-llama-cpp. It puts no BOS before a
   * SentencePiece-unigram input (T5 has none), but XLM-R encoders such as e5 are trained with <s> first.
   */
  private tokenize(text: string, kind: EmbedKind): Token[] {
    const tokens = this.model.tokenize(this.prefixes[kind] + text);
    if (this.bos !== null && tokens[0] !== this.bos) tokens.unshift(this.bos);
    return tokens;
  }

  /** The text adds tokens to the prefix (a text of control characters only adds none). */
  private hasText(input: readonly Token[], kind: EmbedKind): boolean {
    return input.length - (this.bos === null ? 0 : 1) > this.prefixTokens[kind];
  }

  countTokens(text: string, kind: EmbedKind): number {
    return this.contexts[0]!.calculateInputLength(this.tokenize(text, kind));
  }

  async embed(texts: readonly string[], kind: EmbedKind): Promise<Float32Array[]> {
    const inputs = texts.map((text) => this.tokenize(text, kind));
    for (const input of inputs) {
      const tokens = this.contexts[0]!.calculateInputLength(input);
      if (tokens > this.maxTokens) throw new InputTooLongError(tokens, this.maxTokens);
    }
    const out = new Array<Float32Array>(texts.length);
    let next = 0;
    let tokens = 0;
    const lane = async (ctx: LlamaEmbeddingContext) => {
      while (next < inputs.length) {
        const i = next++;
        const input = inputs[i]!;
        if (!this.hasText(input, kind)) {
          out[i] = new Float32Array(0);
          continue;
        }
        out[i] = normalize((await ctx.getEmbeddingFor(input)).vector);
        tokens += input.length;
      }
    };
    await Promise.all(this.contexts.map(lane));
    recordEmbeddingTokens(tokens);
    return out;
  }

  /** Release the contexts (the model stays loaded for the process). */
  async dispose(): Promise<void> {
    for (const ctx of this.contexts) await ctx.dispose();
  }
}
