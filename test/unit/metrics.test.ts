// The metrics module: what each part records shows up in the Prometheus text a scrape reads; and the
// worker's own port, which serves it with a health check.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { createLogger } from "../../src/lib/logger.js";
import {
  collectProcessMetrics,
  metricsText,
  recordAnswer,
  recordEmbeddingTokens,
  recordIngested,
  recordIngestOutcome,
  recordModelLoad,
  recordTooManyRequests,
  watchQueues,
} from "../../src/lib/metrics.js";
import { startMetricsServer } from "../../workers/metrics-server.js";

/** The value of one series in the exposition text (labels as written, e.g. `{stage="embed"}`), or null. */
function sample(text: string, series: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

const timings = (total: number, firstText: number | null) => ({
  retrieval_ms: 40,
  queue_ms: 0,
  time_to_first_token_ms: firstText,
  generation_ms: 0,
  support_ms: 0,
  total_ms: total,
});

describe("metrics", () => {
  test("an indexed file counts its pages, its outcome and the seconds of each stage", async () => {
    recordIngested(3, { read: 5, parse: 120, chunk: 10, embed: 2500, write: 30 });
    recordIngested(2, { read: 1, parse: 1, chunk: 1, embed: 1, write: 1 });
    recordIngestOutcome("done");
    recordIngestOutcome("done");
    recordIngestOutcome("failed");
    const text = await metricsText();
    expect(sample(text, "cited_ingest_pages_total")).toBe(5);
    expect(sample(text, 'cited_ingest_documents_total{outcome="done"}')).toBe(2);
    expect(sample(text, 'cited_ingest_documents_total{outcome="failed"}')).toBe(1);
    expect(sample(text, 'cited_ingest_stage_seconds_count{stage="embed"}')).toBe(2);
    expect(sample(text, 'cited_ingest_stage_seconds_sum{stage="embed"}')).toBeCloseTo(2.501);
    expect(sample(text, 'cited_ingest_stage_seconds_bucket{le="0.01",stage="parse"}')).toBe(1);
  });

  test("answers record their phases from their own timings, and abstentions by reason", async () => {
    recordAnswer({ abstained: false, abstain_reason: null, timings: timings(1500, 900) });
    recordAnswer({ abstained: true, abstain_reason: "no_passages", timings: timings(60, null) });
    const text = await metricsText();
    expect(sample(text, "cited_answers_total")).toBe(2);
    expect(sample(text, 'cited_abstentions_total{reason="no_passages"}')).toBe(1);
    expect(sample(text, 'cited_answer_seconds_count{phase="retrieval"}')).toBe(2);
    // An abstention before any text has no first token.
    expect(sample(text, 'cited_answer_seconds_count{phase="first_token"}')).toBe(1);
    expect(sample(text, 'cited_answer_seconds_sum{phase="total"}')).toBeCloseTo(1.56);
  });

  test("embedding tokens, 429s and model load times are exposed", async () => {
    recordEmbeddingTokens(120);
    recordEmbeddingTokens(0);
    recordTooManyRequests("rate_limited");
    recordTooManyRequests("busy");
    recordTooManyRequests("rate_limited");
    recordModelLoad("/models/all-minilm-l6-v2.gguf", 0.75);
    const text = await metricsText();
    expect(sample(text, "cited_embedding_tokens_total")).toBe(120);
    expect(sample(text, 'cited_rate_limited_total{code="rate_limited"}')).toBe(2);
    expect(sample(text, 'cited_rate_limited_total{code="busy"}')).toBe(1);
    expect(sample(text, 'cited_model_load_seconds{model="all-minilm-l6-v2.gguf"}')).toBe(0.75);
  });

  test("queue depths are read at each scrape; a scrape without Redis still answers", async () => {
    let waiting = 4;
    watchQueues(async () => [
      { queue: "ingest", state: "waiting", count: waiting },
      { queue: "webhook", state: "failed", count: 1 },
    ]);
    expect(sample(await metricsText(), 'cited_queue_jobs{queue="ingest",state="waiting"}')).toBe(4);
    waiting = 0;
    expect(sample(await metricsText(), 'cited_queue_jobs{queue="ingest",state="waiting"}')).toBe(0);
    watchQueues(async () => {
      throw new Error("Connection is closed.");
    });
    const text = await metricsText();
    expect(text).toContain("# TYPE cited_queue_jobs gauge");
    expect(sample(text, 'cited_queue_jobs{queue="webhook",state="failed"}')).toBeNull();
    expect(sample(text, "cited_answers_total")).not.toBeNull();
  });

  test("the process's memory and CPU seconds carry the cited_ prefix", async () => {
    collectProcessMetrics();
    collectProcessMetrics();
    const text = await metricsText();
    expect(sample(text, "cited_process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(sample(text, "cited_process_cpu_seconds_total")).toBeGreaterThan(0);
  });
});

describe("the example Grafana dashboard", () => {
  test("is a dashboard whose every query reads a metric Cited exposes", async () => {
    const dashboard = JSON.parse(readFileSync("docs/grafana-dashboard.json", "utf8")) as {
      title: string;
      panels: { type: string; targets?: { expr: string }[] }[];
    };
    expect(dashboard.title).toBe("Cited");
    collectProcessMetrics();
    const exposed = new Set([...(await metricsText()).matchAll(/^# TYPE (\w+) /gm)].map((m) => m[1]));
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    const read = new Set(exprs.flatMap((e) => [...e.matchAll(/\bcited_\w+/g)].map((m) => m[0])));
    const unknown = [...read].filter((name) => !exposed.has(name.replace(/_(bucket|count|sum)$/, "")));
    expect(unknown).toEqual([]);
    for (const name of ["cited_queue_jobs", "cited_answer_seconds_bucket", "cited_rate_limited_total"])
      expect(read).toContain(name);
  });
});

/** A TCP port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe("the worker's metrics port", () => {
  const log = createLogger("test", "silent");

  test("/healthz is 503 naming the part that failed; /metrics answers; other paths are 404", async () => {
    const port = await freePort();
    const server = await startMetricsServer({
      port,
      host: "127.0.0.1",
      log,
      checks: {
        redis: async () => true,
        store: async () => {
          throw new Error("the store cannot be opened");
        },
      },
    });
    try {
      const health = await fetch(`${server!.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: "unhealthy", checks: { redis: true, store: false } });
      expect(await (await fetch(`${server!.url}/metrics`)).text()).toContain("cited_ingest_pages_total");
      expect((await fetch(`${server!.url}/v1/documents`)).status).toBe(404);
    } finally {
      await server!.close();
    }
  });

  test("port 0 opens nothing; a port in use is refused in words that name the setting", async () => {
    const checks = { redis: async () => true, store: async () => true };
    expect(await startMetricsServer({ port: 0, host: "127.0.0.1", log, checks })).toBeNull();
    const first = await startMetricsServer({ port: await freePort(), host: "127.0.0.1", log, checks });
    const port = Number(new URL(first!.url).port);
    try {
      await expect(startMetricsServer({ port, host: "127.0.0.1", log, checks })).rejects.toThrow(
        `WORKER_METRICS_PORT=${port} on WORKER_METRICS_HOST=127.0.0.1 is already in use`,
      );
    } finally {
      await first!.close();
    }
  });
});
