import {
  type GbnfJsonSchema,
  LlamaChatSession,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
} from "node-llama-cpp";
import { getRuntime, loadModelFile, resolveThreads } from "./runtime.js";

/** The model stopped before its JSON was complete (token limit) or produced no output. */
export class GenerationIncompleteError extends Error {
  override name = "GenerationIncompleteError";
}

/** JSON schema subset that node-llama-cpp can turn into a grammar. Avoid maxLength: llama.cpp grammars with large bounded repeats sample very slowly. */
export type JsonSchema = GbnfJsonSchema;

/** One generation whose output is forced into a JSON schema. */
export interface GenerateJsonRequest {
  /** Instructions for the model. */
  system: string;
  /** The user turn. */
  prompt: string;
  /** The output must validate against this schema; the grammar makes anything else impossible. */
  schema: JsonSchema;
  /** Most tokens to generate. */
  maxTokens?: number;
  /** Aborting stops generation at once and frees the sequence. */
  signal?: AbortSignal;
  /** Called with each piece of generated text as it appears. */
  onText?: (text: string) => void;
}

/** What a generation produced, with its timings. */
export interface GenerateJsonResult {
  /** The parsed JSON value (valid under the schema). */
  value: unknown;
  /** The raw generated text. */
  text: string;
  /** Tokens in the prompt (system + user, chat template included). */
  promptTokens: number;
  /** Tokens generated. */
  outputTokens: number;
  /** Milliseconds from the call to the first generated text. */
  timeToFirstTokenMs: number | null;
  /** Milliseconds from the first generated text to the end. */
  generationMs: number;
}

/** A local chat model whose output can be forced into a JSON schema. */
export interface JsonGenerator {
  /** Model id as configured. */
  readonly modelId: string;
  /** Context window of each sequence, in tokens. */
  readonly contextTokens: number;
  /** Sequences that can generate at the same time. */
  readonly parallel: number;
  /** Tokens of a text in this model's tokenizer. */
  countTokens(text: string): number;
  /** Generate one JSON value. Needs a free sequence: callers bound concurrency to `parallel`. */
  generateJson(request: GenerateJsonRequest): Promise<GenerateJsonResult>;
}

/** Options of a LlamaGenerator. */
export interface LlamaGeneratorOptions {
  /** Model id reported with every answer. */
  modelId: string;
  /** Path of the GGUF file. */
  path: string;
  /** Context window of each sequence, in tokens. */
  contextTokens: number;
  /** Sequences that can generate at the same time. */
  parallel: number;
  /** CPU threads; 0 for all cores. */
  threads?: number;
}

/**
 * JsonGenerator over one node-llama-cpp context with `parallel` sequences. The sequences are taken
 * once and reused (history cleared between requests): a sequence disposed after an aborted or
 * cut-off generation is not always handed back by node-llama-cpp 3.21.
 */
export class LlamaGenerator implements JsonGenerator {
  private readonly free: LlamaContextSequence[];

  private constructor(
    readonly modelId: string,
    readonly contextTokens: number,
    readonly parallel: number,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
  ) {
    this.free = Array.from({ length: parallel }, () => context.getSequence());
  }

  /** Load the model (once per process) and create its context. */
  static async create(options: LlamaGeneratorOptions): Promise<LlamaGenerator> {
    const model = await loadModelFile(options.path);
    const contextTokens = Math.min(options.contextTokens, model.trainContextSize);
    const context = await model.createContext({
      contextSize: contextTokens * options.parallel,
      sequences: options.parallel,
      threads: resolveThreads(options.threads),
      flashAttention: false,
    });
    return new LlamaGenerator(options.modelId, contextTokens, options.parallel, model, context);
  }

  countTokens(text: string): number {
    return this.model.tokenize(text).length;
  }

  async generateJson(request: GenerateJsonRequest): Promise<GenerateJsonResult> {
    const llama = await getRuntime();
    const grammar = await llama.createGrammarForJsonSchema<JsonSchema>(request.schema);
    const sequence = this.free.pop();
    if (!sequence)
      throw new Error(`all ${this.parallel} sequences are busy: callers must bound concurrency to parallel`);
    const session = new LlamaChatSession({
      contextSequence: sequence,
      systemPrompt: request.system,
      autoDisposeSequence: false,
    });
    const inputBefore = sequence.tokenMeter.usedInputTokens;
    const outputBefore = sequence.tokenMeter.usedOutputTokens;
    const started = performance.now();
    let firstText: number | null = null;
    try {
      await this.prefill(session, sequence, request);
      const result = await session.promptWithMeta(request.prompt, {
        grammar,
        signal: request.signal,
        maxTokens: request.maxTokens,
        temperature: 0,
        onTextChunk: (text) => {
          firstText ??= performance.now();
          request.onText?.(text);
        },
      });
      const text = result.responseText;
      let value: unknown;
      try {
        value = grammar.parse(text);
      } catch {
        throw new GenerationIncompleteError(
          `the model stopped (${result.stopReason}) before finishing its JSON answer after ${sequence.tokenMeter.usedOutputTokens - outputBefore} tokens`,
        );
      }
      return {
        value,
        text,
        promptTokens: sequence.tokenMeter.usedInputTokens - inputBefore,
        outputTokens: sequence.tokenMeter.usedOutputTokens - outputBefore,
        timeToFirstTokenMs: firstText === null ? null : firstText - started,
        generationMs: firstText === null ? 0 : performance.now() - firstText,
      };
    } finally {
      session.dispose({ disposeSequence: false });
      await sequence.clearHistory().catch(() => undefined);
      this.free.push(sequence);
    }
  }

  /**
   * Evaluate the rendered prompt in small batches, checking the abort signal between them.
   * node-llama-cpp checks the signal only once a prompt is fully read, which on a CPU takes seconds;
   * the chat session then finds the prompt already in the sequence and starts generating at once.
   */
  private async prefill(
    session: LlamaChatSession,
    sequence: LlamaContextSequence,
    request: GenerateJsonRequest,
  ) {
    const { contextText } = session.chatWrapper.generateContextState({
      chatHistory: [
        { type: "system", text: request.system },
        { type: "user", text: request.prompt },
        { type: "model", response: [] },
      ],
    });
    const tokens = contextText.tokenize(this.model.tokenizer);
    const BATCH = 64;
    // The last token is left for the session to evaluate when it starts generating.
    for (let i = 0; i < tokens.length - 1; i += BATCH) {
      request.signal?.throwIfAborted();
      await sequence.evaluateWithoutGeneratingNewTokens(
        tokens.slice(i, Math.min(i + BATCH, tokens.length - 1)),
      );
    }
    request.signal?.throwIfAborted();
  }

  /** Free the context (the model stays loaded for the process). */
  async dispose(): Promise<void> {
    await this.context.dispose();
  }
}
