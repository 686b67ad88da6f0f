// Making an answer: retrieve → number the passages → generate under a JSON-schema grammar → verify
// every citation against the stored page text → keep what is proven, or say the documents do not say.
import type { AnswerSentence, AskResponse, Citation, Passage, SearchFilters } from "../../schemas/api.js";
import type { AccessScope } from "../access/scope.js";
import type { JsonGenerator } from "../models/generator.js";
import type { YesNoScorer } from "../models/scorer.js";
import type { HybridRetriever, RetrievedPassage } from "../retrieval/hybrid.js";
import type { DocumentRepository } from "../store/documents.js";
import { alignClaim } from "./align.js";
import type { GenerationLimiter, Ticket } from "./limiter.js";
import { type NumberedPassage, numberPassages } from "./passages.js";
import {
  ANSWER_SYSTEM_PROMPT,
  abstentionText,
  answerSchema,
  answerUserPrompt,
  type ModelAnswer,
  PROMPT_VERSION,
  SUPPORT_SYSTEM_PROMPT,
  supportUserPrompt,
} from "./prompts.js";
import { verifyQuote } from "./verify.js";

/** One question. */
export interface AskInput {
  question: string;
  topK: number;
  scope: AccessScope;
  filters?: SearchFilters;
}

/** Things that happen while an answer is made, in this order (for streaming). */
export interface AnswerEvents {
  onPassages?: (passages: Passage[]) => void;
  onText?: (text: string) => void;
  onCitation?: (citation: Citation) => void;
}

/** The passage as the API shows it. */
export function passageView(p: RetrievedPassage): Passage {
  return {
    chunk_id: p.chunk_id,
    document_id: p.document_id,
    title: p.title,
    section: p.section,
    page_start: p.page_start,
    page_end: p.page_end,
    text: p.text,
    score: p.score,
  };
}

/**
 * Pulls the sentence texts out of the model's partial JSON as it streams, so a client sees words,
 * not braces. Returns the new text since the last call.
 */
export class SentenceTextStream {
  private raw = "";
  private shown = "";
  push(chunk: string): string {
    this.raw += chunk;
    const texts: string[] = [];
    const re = /"text"\s*:\s*"((?:[^"\\]|\\.)*)("?)/g;
    for (let m = re.exec(this.raw); m; m = re.exec(this.raw)) {
      let t = m[1]!;
      if (!m[2]) t = t.replace(/\\[^"\\/bfnrtu]?$|\\u[0-9a-fA-F]{0,3}$/, "");
      try {
        texts.push(JSON.parse(`"${t}"`) as string);
      } catch {
        texts.push(t);
      }
    }
    const full = texts.join(" ");
    if (!full.startsWith(this.shown)) return "";
    const delta = full.slice(this.shown.length);
    this.shown = full;
    return delta;
  }
}

/** Map the model's output to citations that are verified against the stored pages; drop the rest. */
export async function verifyAnswer(
  model: ModelAnswer,
  numbered: readonly NumberedPassage[],
  pageText: (documentId: string, page: number) => Promise<string | undefined>,
  question = "",
): Promise<{ sentences: AnswerSentence[]; citations: Citation[]; dropped: number }> {
  const sentencesById = new Map(numbered.flatMap((p) => p.sentences.map((s) => [s.id, { p, s }] as const)));
  const sentenceText = new Map([...sentencesById].map(([id, { s }]) => [id, s.text]));
  const citationByKey = new Map<string, Citation>();
  const citations: Citation[] = [];
  const sentences: AnswerSentence[] = [];
  let dropped = 0;
  for (const sentence of model.sentences) {
    const text = sentence.text.trim();
    const ns: number[] = [];
    // The model's evidence ids are candidates; alignment keeps those that state the claim.
    for (const id of alignClaim(text, sentence.evidence, sentenceText, question)) {
      const ref = sentencesById.get(id);
      if (!ref) continue;
      const { p, s } = ref;
      const pages = new Map<number, string | undefined>();
      for (const span of p.passage.spans)
        pages.set(span.page, await pageText(p.passage.document_id, span.page));
      const location = verifyQuote(s.quote, {
        text: p.passage.text,
        spans: p.passage.spans,
        pageText: (n) => pages.get(n),
      });
      if (!location) continue;
      const key = `${p.passage.document_id}:${location.page}:${location.charStart}:${location.charEnd}`;
      let citation = citationByKey.get(key);
      if (!citation) {
        citation = {
          n: citations.length + 1,
          chunk_id: p.passage.chunk_id,
          document_id: p.passage.document_id,
          title: p.passage.title,
          page: location.page,
          quote: location.exact,
          char_start: location.charStart,
          char_end: location.charEnd,
          verified: true,
        };
        citationByKey.set(key, citation);
        citations.push(citation);
      }
      if (!ns.includes(citation.n)) ns.push(citation.n);
    }
    // A sentence without a verified citation is not shown (see README: unsupported sentences are dropped).
    if (text.length === 0 || ns.length === 0) {
      if (text.length > 0) dropped++;
      continue;
    }
    sentences.push({ text, citations: ns });
  }
  return { sentences, citations, dropped };
}

/** Options of the Answerer. */
export interface AnswererOptions {
  /** Most tokens the model may write. */
  maxOutputTokens: number;
  /** Longest time one answer may take, waiting included. */
  timeoutMs: number;
  /** Checks that the cited words answer the question; null skips the check. */
  judge: YesNoScorer | null;
  /** Least judged support for an answer to be shown. */
  supportThreshold: number;
}

/** Answers questions with verified citations, or abstains. */
export class Answerer {
  constructor(
    private readonly retriever: HybridRetriever,
    private readonly generator: JsonGenerator,
    private readonly limiter: GenerationLimiter,
    private readonly documents: DocumentRepository,
    private readonly options: AnswererOptions,
  ) {}

  get modelId(): string {
    return this.generator.modelId;
  }

  /**
   * Take a place in the model's line now (BusyError at once when it is full), so a route can answer
   * 429 before it starts a response. Pass the ticket to `answer`.
   */
  admit(signal?: AbortSignal): Ticket {
    return this.limiter.enter(signal);
  }

  /**
   * Answer a question. Without a ticket, one is taken (and BusyError rejects the call). The ticket is
   * always released, whatever happens.
   */
  async answer(
    input: AskInput,
    events: AnswerEvents = {},
    signal?: AbortSignal,
    ticket?: Ticket,
  ): Promise<AskResponse> {
    const started = performance.now();
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const abort = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const place = ticket ?? this.limiter.enter(abort);
    try {
      return await this.answerWith(input, events, abort, place, started);
    } finally {
      place.release();
    }
  }

  private async answerWith(
    input: AskInput,
    events: AnswerEvents,
    abort: AbortSignal,
    ticket: Ticket,
    started: number,
  ): Promise<AskResponse> {
    const retrieved = await this.retriever.retrieve({
      query: input.question,
      topK: input.topK,
      scope: input.scope,
      filters: input.filters,
    });
    const retrievalMs = performance.now() - started;
    const passages = retrieved.map(passageView);
    events.onPassages?.(passages);
    const numbered = this.fitToContext(numberPassages(retrieved), input.question);

    let queueMs = 0;
    let ttft: number | null = null;
    let generationMs = 0;
    let model: ModelAnswer = { sentences: [] };
    if (numbered.length > 0) {
      const queued = performance.now();
      const stream = new SentenceTextStream();
      await ticket.ready;
      queueMs = performance.now() - queued;
      const result = await this.generator.generateJson({
        system: ANSWER_SYSTEM_PROMPT,
        prompt: answerUserPrompt(input.question, numbered),
        schema: answerSchema(numbered),
        maxTokens: this.options.maxOutputTokens,
        signal: abort,
        onText: (chunk) => {
          const delta = stream.push(chunk);
          if (delta) events.onText?.(delta);
        },
      });
      ttft = result.timeToFirstTokenMs;
      generationMs = result.generationMs;
      model = result.value as ModelAnswer;
    }

    const pageCache = new Map<string, Promise<Map<number, string>>>();
    const pageText = async (documentId: string, page: number) => {
      let pages = pageCache.get(documentId);
      if (!pages) {
        const wanted = retrieved
          .filter((p) => p.document_id === documentId)
          .flatMap((p) => p.spans.map((s) => s.page));
        pages = this.documents.pageTexts(documentId, [...new Set(wanted)], input.scope);
        pageCache.set(documentId, pages);
      }
      return (await pages).get(page);
    };
    const verified = await verifyAnswer(model, numbered, pageText, input.question);
    // Verified words may still be beside the point: a judge decides whether they answer the question.
    let support: number | null = null;
    const supportStarted = performance.now();
    if (verified.sentences.length > 0 && this.options.judge) {
      support = await this.options.judge.score(
        SUPPORT_SYSTEM_PROMPT,
        supportUserPrompt(
          input.question,
          verified.citations.map((c) => c.quote),
        ),
        abort,
      );
    }
    const supportMs = performance.now() - supportStarted;
    const abstained =
      verified.sentences.length === 0 || (support !== null && support < this.options.supportThreshold);
    if (!abstained) for (const c of verified.citations) events.onCitation?.(c);
    const answer = abstained
      ? abstentionText(input.question)
      : verified.sentences.map((s) => `${s.text} ${s.citations.map((n) => `[${n}]`).join("")}`).join(" ");
    return {
      answer,
      sentences: abstained ? [] : verified.sentences,
      citations: abstained ? [] : verified.citations,
      abstained,
      dropped_sentences: verified.dropped,
      support,
      passages,
      model: this.generator.modelId,
      prompt_version: PROMPT_VERSION,
      timings: {
        retrieval_ms: retrievalMs,
        queue_ms: queueMs,
        time_to_first_token_ms: ttft,
        generation_ms: generationMs,
        support_ms: supportMs,
        total_ms: performance.now() - started,
      },
    };
  }

  /** Keep the passages (in rank order) whose prompt fits the model's context with room for the answer. */
  private fitToContext(numbered: NumberedPassage[], question: string): NumberedPassage[] {
    const budget = this.generator.contextTokens - this.options.maxOutputTokens - 64;
    for (let n = numbered.length; n > 0; n--) {
      const kept = numbered.slice(0, n);
      const tokens = this.generator.countTokens(ANSWER_SYSTEM_PROMPT + answerUserPrompt(question, kept));
      if (tokens <= budget) return kept;
    }
    return [];
  }
}
