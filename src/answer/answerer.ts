// Making an answer, evidence first: retrieve → number the passage sentences → the model chooses the
// sentences that answer (or none) → it writes a short answer from those alone (or the answer is the
// evidence, verbatim) → every citation is verified against the stored page → a judge checks that the
// cited words answer the question → what is proven is shown, or the documents do not say.
import type { AbstainReason, AskResponse, Citation, Passage, SearchFilters } from "../../schemas/api.js";
import type { AccessScope } from "../access/scope.js";
import { recordAnswer } from "../lib/metrics.js";
import { GenerationIncompleteError, type JsonGenerator } from "../models/generator.js";
import type { YesNoScorer } from "../models/scorer.js";
import { vocabularyCoverage } from "../retrieval/expansion.js";
import type { HybridRetriever, RetrievedPassage } from "../retrieval/hybrid.js";
import type { DocumentRepository } from "../store/documents.js";
import { alignAcrossLanguages, framedDraft } from "./across.js";
import { type CitedAnswer, citeAnswer, storedPageReader } from "./cite.js";
import { alignWritten, type DraftSentence, extractiveDraft } from "./compose.js";
import { chooseEvidence, questionTopic } from "./evidence.js";
import { type AnswerLanguage, languageOf } from "./language.js";
import type { GenerationLimiter, Ticket } from "./limiter.js";
import { numberPassages, type PassageSentence } from "./passages.js";
import {
  abstentionText,
  composeSchema,
  composeSystemPrompt,
  composeUserPrompt,
  type ModelComposition,
  PROMPT_VERSION,
  SUPPORT_SYSTEM_PROMPT,
  supportUserPrompt,
} from "./prompts.js";
import { combineSupport } from "./support.js";

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
  /** How the answer was worded: the evidence chosen, the model's own answer, and whether it was kept. */
  onDraft?: (draft: DraftTrace) => void;
  /** The two signals behind the support score (for calibrating SUPPORT_THRESHOLD). */
  onSupport?: (signals: SupportSignals) => void;
}

/** What the support score is made of. */
export interface SupportSignals {
  /** The judge's probability that the cited words are what the question asks for. */
  judged: number;
  /** Share of the asked clause's vocabulary in the passages; null when no known clause is asked about. */
  coverage: number | null;
}

/** What happened between choosing evidence and citing it (for evaluation and logs). */
export interface DraftTrace {
  /** Quotes of the sentences the model chose. */
  chosen: string[];
  /** The answer the model wrote from them (null when none was asked for or it could not finish). */
  written: string | null;
  /** The written answer stated something the evidence does not, so the evidence is shown verbatim. */
  replacedByEvidence: boolean;
  /** The model ran out of tokens or time before finishing its answer (the evidence is shown verbatim). */
  unfinished: boolean;
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

/** How an answer is worded once its evidence is chosen. */
export type AnswerStyle = "written" | "extractive";

/** Options of the Answerer. */
export interface AnswererOptions {
  /** Most tokens the model may write for the written answer. */
  maxOutputTokens: number;
  /** Longest time one answer may take, waiting included. */
  timeoutMs: number;
  /** Checks that the cited words answer the question; null skips the check. */
  judge: YesNoScorer | null;
  /** Least judged support for an answer to be shown. */
  supportThreshold: number;
  /** "written": a short answer in the model's words, checked against the evidence (falls back to
   * the evidence verbatim); "extractive": the evidence verbatim. */
  style: AnswerStyle;
}

/** Timings of one answer, in milliseconds. */
interface Clock {
  started: number;
  retrieval: number;
  queue: number;
  firstText: number | null;
  generation: number;
  support: number;
}

/** Passage sentences an answer rests on: the best matches of the question among the retrieved passages. */
const EVIDENCE_SENTENCES = 2;

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
    const clock: Clock = {
      started: performance.now(),
      retrieval: 0,
      queue: 0,
      firstText: null,
      generation: 0,
      support: 0,
    };
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const abort = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const place = ticket ?? this.limiter.enter(abort);
    try {
      const answer = await this.answerWith(input, events, abort, place, clock);
      recordAnswer(answer);
      return answer;
    } finally {
      place.release();
    }
  }

  /** retrieve → choose evidence → word the answer → cite → judge. */
  private async answerWith(
    input: AskInput,
    events: AnswerEvents,
    abort: AbortSignal,
    ticket: Ticket,
    clock: Clock,
  ): Promise<AskResponse> {
    const retrieved = await this.retrieve(input, clock);
    const passages = retrieved.map(passageView);
    events.onPassages?.(passages);
    const numbered = numberPassages(retrieved);
    const done = (cited: CitedAnswer | null, support: number | null, reason: AbstainReason | null) =>
      this.result(input.question, passages, cited, support, reason, events, clock);
    if (numbered.every((p) => p.sentences.length === 0)) return done(null, null, "no_passages");

    const chosen = chooseEvidence(input.question, numbered, EVIDENCE_SENTENCES);
    if (chosen.length === 0) return done(null, null, "not_in_passages");
    const queued = performance.now();
    await ticket.ready;
    clock.queue = performance.now() - queued;
    const drafts = await this.word(input.question, chosen, events, abort, clock);
    const cited = await citeAnswer(
      drafts,
      numbered,
      storedPageReader(this.documents, retrieved, input.scope),
    );
    if (cited.sentences.length === 0) return done(cited, null, "unverified");
    const coverage = vocabularyCoverage(
      questionTopic(input.question),
      retrieved.map((p) => p.text),
    );
    const judged = await this.judge(input.question, cited, abort, clock);
    if (judged !== null) events.onSupport?.({ judged, coverage });
    const support = judged === null ? null : combineSupport(judged, coverage);
    const supported = support === null || support >= this.options.supportThreshold;
    return done(cited, support, supported ? null : "low_support");
  }

  private async retrieve(input: AskInput, clock: Clock): Promise<RetrievedPassage[]> {
    const retrieved = await this.retriever.retrieve({
      query: input.question,
      topK: input.topK,
      scope: input.scope,
      filters: input.filters,
    });
    clock.retrieval = performance.now() - clock.started;
    return retrieved;
  }

  /**
   * The answer's sentences, in the question's language: written from the evidence and checked against
   * it, or the evidence itself (verbatim, introduced in the question's language when that differs).
   */
  private async word(
    question: string,
    chosen: PassageSentence[],
    events: AnswerEvents,
    abort: AbortSignal,
    clock: Clock,
  ): Promise<DraftSentence[]> {
    const language = languageOf(question);
    const across = language !== languageOf(chosen.map((s) => s.text).join(" "));
    const written =
      this.options.style === "written"
        ? await this.write(question, chosen, { language, across }, abort, clock)
        : null;
    const align = across ? alignAcrossLanguages : alignWritten;
    const aligned = written ? align(written, chosen, question) : null;
    const drafts = aligned ?? (across ? framedDraft(chosen, language) : extractiveDraft(chosen));
    events.onDraft?.({
      chosen: chosen.map((s) => s.quote),
      written,
      replacedByEvidence: !!written && !aligned,
      unfinished: this.options.style === "written" && written === null,
    });
    clock.firstText ??= performance.now() - clock.started;
    events.onText?.(drafts.map((d) => d.text).join(" "));
    return drafts;
  }

  /** The model's short answer from the chosen sentences alone; null if it could not finish. */
  private async write(
    question: string,
    chosen: PassageSentence[],
    target: { language: AnswerLanguage; across: boolean },
    abort: AbortSignal,
    clock: Clock,
  ): Promise<string | null> {
    const began = performance.now();
    try {
      const result = await this.generator.generateJson({
        system: composeSystemPrompt(target.language, target.across),
        prompt: composeUserPrompt(question, chosen),
        schema: composeSchema,
        maxTokens: this.options.maxOutputTokens,
        signal: abort,
      });
      return (result.value as ModelComposition).answer;
    } catch (error) {
      if (error instanceof GenerationIncompleteError) return null;
      throw error;
    } finally {
      clock.generation += performance.now() - began;
    }
  }

  /** The judge's probability that the cited words answer the question (null when no judge). */
  private async judge(question: string, cited: CitedAnswer, abort: AbortSignal, clock: Clock) {
    if (!this.options.judge) return null;
    const began = performance.now();
    const quotes = cited.citations.map((c) => c.quote);
    const support = await this.options.judge.score(
      SUPPORT_SYSTEM_PROMPT,
      supportUserPrompt(question, quotes),
      abort,
    );
    clock.support = performance.now() - began;
    return support;
  }

  /** The response: the verified answer, or an abstention that says why. */
  private result(
    question: string,
    passages: Passage[],
    cited: CitedAnswer | null,
    support: number | null,
    reason: AbstainReason | null,
    events: AnswerEvents,
    clock: Clock,
  ): AskResponse {
    const shown = reason === null && cited !== null;
    if (shown) for (const c of cited.citations) events.onCitation?.(c);
    return {
      answer: shown
        ? cited.sentences.map((s) => `${s.text} ${s.citations.map((n) => `[${n}]`).join("")}`).join(" ")
        : abstentionText(question, reason ?? "unverified"),
      sentences: shown ? cited.sentences : [],
      citations: shown ? cited.citations : [],
      abstained: !shown,
      abstain_reason: reason,
      dropped_sentences: cited?.dropped ?? 0,
      support,
      passages,
      model: this.generator.modelId,
      prompt_version: PROMPT_VERSION,
      timings: {
        retrieval_ms: clock.retrieval,
        queue_ms: clock.queue,
        time_to_first_token_ms: clock.firstText,
        generation_ms: clock.generation,
        support_ms: clock.support,
        total_ms: performance.now() - clock.started,
      },
    };
  }
}
