// Prometheus metrics of one process (prom-client): the named instruments every layer records into, and
// the text a scrape of /metrics reads. Rates (pages/s, tokens/s) are PromQL rate() over the counters.
import { basename } from "node:path";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { AskResponse } from "../../schemas/api.js";

/** Prefix of every metric Cited exposes. */
export const METRICS_PREFIX = "cited_";

/** Content type of the text exposition format (version 0.0.4) a scrape gets. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Jobs of one queue in one state, as BullMQ counts them. */
export interface QueueJobCount {
  /** Short name of the queue: ingest, sync, review, maintenance, webhook. */
  queue: string;
  /** BullMQ state: waiting, active, delayed, failed, completed, … */
  state: string;
  count: number;
}

/** The registry of this process: one per process, so API and worker each expose their own. */
const registry = new Registry();

/** Seconds buckets for stages of a file (milliseconds to minutes). */
const STAGE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** Seconds buckets for answers (tens of milliseconds to the two-minute ASK_TIMEOUT_MS default). */
const ANSWER_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120];

const ingestPages = new Counter({
  name: "cited_ingest_pages_total",
  help: "Pages of the files indexed by this worker",
  registers: [registry],
});
const ingestDocuments = new Counter({
  name: "cited_ingest_documents_total",
  help: "Files whose ingest job ended for good, by outcome (done, failed, skipped)",
  labelNames: ["outcome"] as const,
  registers: [registry],
});
const ingestStageSeconds = new Histogram({
  name: "cited_ingest_stage_seconds",
  help: "Seconds one indexed file spent in each stage of the pipeline",
  labelNames: ["stage"] as const,
  buckets: STAGE_BUCKETS,
  registers: [registry],
});
const embeddingTokens = new Counter({
  name: "cited_embedding_tokens_total",
  help: "Tokens read by the embedding model (passages and questions)",
  registers: [registry],
});
const answers = new Counter({
  name: "cited_answers_total",
  help: "Answers made, abstentions included",
  registers: [registry],
});
const abstentions = new Counter({
  name: "cited_abstentions_total",
  help: "Answers declined, by reason",
  labelNames: ["reason"] as const,
  registers: [registry],
});
const answerSeconds = new Histogram({
  name: "cited_answer_seconds",
  help: "Seconds of an answer until retrieval ended, until its first text, and in all",
  labelNames: ["phase"] as const,
  buckets: ANSWER_BUCKETS,
  registers: [registry],
});
const rateLimited = new Counter({
  name: "cited_rate_limited_total",
  help: "Requests answered 429, by code (rate_limited: the key's budget; busy: the answer line is full)",
  labelNames: ["code"] as const,
  registers: [registry],
});
const modelLoadSeconds = new Gauge({
  name: "cited_model_load_seconds",
  help: "Seconds it took this process to load each model file",
  labelNames: ["model"] as const,
  registers: [registry],
});

/** Where the queue depths come from; read at each scrape (null: this process watches no queues). */
let queueSource: (() => Promise<QueueJobCount[]>) | null = null;

new Gauge({
  name: "cited_queue_jobs",
  help: "Jobs in each queue by state, read from Redis when scraped",
  labelNames: ["queue", "state"] as const,
  registers: [registry],
  async collect() {
    this.reset();
    // Redis down: the scrape still answers, without queue depths (the health check says why).
    const counts = await queueSource?.().catch(() => []);
    for (const c of counts ?? []) this.set({ queue: c.queue, state: c.state }, c.count);
  },
});

let processMetrics = false;

/** Expose RSS, CPU seconds, heap, event-loop lag and the like (once per process; API and worker). */
export function collectProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry, prefix: METRICS_PREFIX });
}

/** Read the queue depths from `source` at every scrape (the process that can reach Redis calls it once). */
export function watchQueues(source: () => Promise<QueueJobCount[]>): void {
  queueSource = source;
}

/** A file was indexed: its pages and the milliseconds of each stage (the pipeline's own timings). */
export function recordIngested(pages: number, stageMs: Readonly<Record<string, number>>): void {
  ingestPages.inc(pages);
  for (const [stage, ms] of Object.entries(stageMs)) ingestStageSeconds.observe({ stage }, ms / 1000);
}

/** An ingest job ended for good. */
export function recordIngestOutcome(outcome: "done" | "failed" | "skipped"): void {
  ingestDocuments.inc({ outcome });
}

/** The embedding model read this many tokens. */
export function recordEmbeddingTokens(tokens: number): void {
  if (tokens > 0) embeddingTokens.inc(tokens);
}

/** An answer was made: its phases from the answer's own timings, and why it abstained if it did. */
export function recordAnswer(answer: Pick<AskResponse, "abstained" | "abstain_reason" | "timings">): void {
  const { timings } = answer;
  answers.inc();
  if (answer.abstained) abstentions.inc({ reason: answer.abstain_reason ?? "unverified" });
  answerSeconds.observe({ phase: "retrieval" }, timings.retrieval_ms / 1000);
  if (timings.time_to_first_token_ms !== null)
    answerSeconds.observe({ phase: "first_token" }, timings.time_to_first_token_ms / 1000);
  answerSeconds.observe({ phase: "total" }, timings.total_ms / 1000);
}

/** A request was answered 429 (`code`: rate_limited or busy). */
export function recordTooManyRequests(code: string): void {
  rateLimited.inc({ code });
}

/** A model file took this long to load; labelled by its file name. */
export function recordModelLoad(path: string, seconds: number): void {
  modelLoadSeconds.set({ model: basename(path) }, seconds);
}

/** Every metric of this process in the Prometheus text format. */
export function metricsText(): Promise<string> {
  return registry.metrics();
}
