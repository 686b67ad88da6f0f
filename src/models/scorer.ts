import {
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  resolveChatWrapper,
  type Token,
} from "node-llama-cpp";
import { loadModelFile, resolveThreads } from "./runtime.js";

/** Asks a chat model a yes/no question and reads how likely its first word is "Yes". */
export interface YesNoScorer {
  readonly modelId: string;
  /** P(Yes) / (P(Yes) + P(No)) for the model's first answer token, 0…1. */
  score(system: string, user: string, signal?: AbortSignal): Promise<number>;
}

/** Options of a LlamaYesNoScorer. */
export interface LlamaYesNoScorerOptions {
  modelId: string;
  path: string;
  /** Context size in tokens (the question and evidence must fit). */
  contextTokens: number;
  /** CPU threads; 0 for every core. */
  threads?: number;
}

/**
 * YesNoScorer over one sequence of a chat model: the conversation is rendered with the model's own
 * chat template and evaluated once; no text is generated, only the next-token probabilities read.
 */
export class LlamaYesNoScorer implements YesNoScorer {
  private busy: Promise<unknown> = Promise.resolve();
  /** Token prefix per system prompt (see keepSystemPrefix). */
  private readonly prefixes = new Map<string, Token[]>();

  private constructor(
    readonly modelId: string,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly sequence: LlamaContextSequence,
    private readonly yes: Token[],
    private readonly no: Token[],
  ) {}

  static async create(options: LlamaYesNoScorerOptions): Promise<LlamaYesNoScorer> {
    const model = await loadModelFile(options.path);
    const context = await model.createContext({
      contextSize: Math.min(options.contextTokens, model.trainContextSize),
      threads: resolveThreads(options.threads),
    });
    const first = (t: string) => model.tokenize(t)[0]!;
    const yes = [...new Set(["Yes", " Yes", "yes", "YES"].map(first))];
    const no = [...new Set(["No", " No", "no", "NO"].map(first))];
    return new LlamaYesNoScorer(options.modelId, model, context, context.getSequence(), yes, no);
  }

  /** Tokens of a text in this model's tokenizer. */
  countTokens(text: string): number {
    return this.model.tokenize(text).length;
  }

  get contextTokens(): number {
    return this.context.contextSize;
  }

  score(system: string, user: string, signal?: AbortSignal): Promise<number> {
    // One evaluation at a time on the single sequence.
    const run = this.busy.then(() => this.evaluate(system, user, signal));
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async evaluate(system: string, user: string, signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted();
    const tokens = this.promptTokens(system, user);
    const rest = await this.keepSystemPrefix(system, tokens);
    const iterator = this.sequence.evaluateWithMetadata(rest, { probabilities: true });
    try {
      const first = await iterator.next();
      if (first.done) throw new Error("the scorer model produced no output");
      const p = (ids: Token[]) => ids.reduce((sum, id) => sum + (first.value.probabilities.get(id) ?? 0), 0);
      const yes = p(this.yes);
      const no = p(this.no);
      return yes + no > 0 ? yes / (yes + no) : 0;
    } finally {
      await iterator.return();
    }
  }

  /** The conversation, rendered with the model's own chat template, as tokens. */
  private promptTokens(system: string, user: string): Token[] {
    const { contextText } = resolveChatWrapper(this.model).generateContextState({
      chatHistory: [
        { type: "system", text: system },
        { type: "user", text: user },
        { type: "model", response: [] },
      ],
    });
    return contextText.tokenize(this.model.tokenizer);
  }

  /**
   * Leave the sequence holding the tokens every prompt with this system prompt starts with (read once,
   * on their own, so a score never depends on the prompt before it) and return the tokens still to read.
   */
  private async keepSystemPrefix(system: string, tokens: Token[]): Promise<Token[]> {
    const prefix = this.systemPrefix(system);
    const starts = prefix.length < tokens.length && prefix.every((t, i) => tokens[i] === t);
    const held = this.sequence.contextTokens;
    if (starts && held.length >= prefix.length && prefix.every((t, i) => held[i] === t)) {
      await this.sequence.eraseContextTokenRanges([
        { start: prefix.length, end: this.sequence.nextTokenIndex },
      ]);
      return tokens.slice(prefix.length);
    }
    await this.sequence.clearHistory();
    if (!starts) return tokens;
    await this.sequence.evaluateWithoutGeneratingNewTokens(prefix);
    return tokens.slice(prefix.length);
  }

  /** Tokens shared by every prompt with this system prompt: two renderings' common start. */
  private systemPrefix(system: string): Token[] {
    let prefix = this.prefixes.get(system);
    if (!prefix) {
      const [a, b] = [this.promptTokens(system, "A"), this.promptTokens(system, "B")];
      let n = 0;
      while (n < a.length && a[n] === b[n]) n++;
      prefix = a.slice(0, n);
      this.prefixes.set(system, prefix);
    }
    return prefix;
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
  }
}
