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
    const wrapper = resolveChatWrapper(this.model);
    const { contextText } = wrapper.generateContextState({
      chatHistory: [
        { type: "system", text: system },
        { type: "user", text: user },
        { type: "model", response: [] },
      ],
    });
    const tokens = contextText.tokenize(this.model.tokenizer);
    await this.sequence.clearHistory();
    const iterator = this.sequence.evaluateWithMetadata(tokens, { probabilities: true });
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

  async dispose(): Promise<void> {
    await this.context.dispose();
  }
}
