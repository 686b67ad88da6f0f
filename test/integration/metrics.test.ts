// Metrics end to end: the real API and worker processes, Redis and LanceDB. One small PDF is ingested,
// then the worker's own port (/metrics, /healthz) and the API's /metrics (admin keys only) are scraped.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { ingestAs, startKeyedService } from "../support/keyed.js";
import { contractPdf } from "../support/pdfs.js";
import { postJson, type TestService } from "../support/service.js";

const ROOT = new URL("../..", import.meta.url).pathname;
let service: TestService;
let tokens: Record<string, string>;
let workerPort: number;

/** A TCP port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** The value of one series in the exposition text (e.g. `cited_ingest_pages_total`), or null. */
function sample(text: string, series: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

const worker = (path: string) => fetch(`http://127.0.0.1:${workerPort}${path}`);

beforeAll(async () => {
  workerPort = await freePort();
  ({ service, tokens } = await startKeyedService(
    // Extractive answers and no judge: an answer here costs no generation.
    { WORKER_METRICS_PORT: String(workerPort), JUDGE_MODEL: "none", ANSWER_STYLE: "extractive" },
    {
      admin: { tenant: "legal", groups: [], role: "admin" },
      editor: { tenant: "legal", groups: [], role: "editor" },
    },
  ));
  const pdf = await contractPdf({
    title: "EQUIPMENT LEASE",
    pages: [
      { paragraphs: ["1. Term. The lease runs for thirty-six (36) months from delivery of the equipment."] },
      { paragraphs: ["2. Rent. The lessee pays a monthly rent of four thousand dollars ($4,000)."] },
    ],
  });
  await ingestAs(service, tokens.editor!, { "lease.pdf": pdf });
}, 300_000);

afterAll(async () => {
  await service?.stop();
});

describe("metrics", () => {
  test("the worker's /metrics counts the pages it indexed, the time of each stage and the queues", async () => {
    const res = await worker("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(sample(text, "cited_ingest_pages_total")).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'cited_ingest_documents_total{outcome="done"}')).toBe(1);
    expect(sample(text, 'cited_ingest_stage_seconds_count{stage="embed"}')).toBe(1);
    expect(sample(text, "cited_embedding_tokens_total")).toBeGreaterThan(0);
    expect(sample(text, 'cited_queue_jobs{queue="ingest",state="completed"}')).toBe(1);
    expect(text).toMatch(/^cited_model_load_seconds\{model="[^"]+\.gguf"\} /m);
    expect(sample(text, "cited_process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  test("the worker's /healthz says Redis and the store answer", async () => {
    const res = await worker("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", checks: { redis: true, store: true } });
  });

  test("the API's /metrics needs an admin key and records answers by phase", async () => {
    expect((await service.request("/metrics")).status).toBe(401);
    const editor = { authorization: `Bearer ${tokens.editor}` };
    expect((await service.request("/metrics", { headers: editor })).status).toBe(403);
    const asked = await postJson(service, "/v1/ask", { question: "How long does the lease run?" }, editor);
    expect(asked.status).toBe(200);
    const res = await service.request("/metrics", { headers: { authorization: `Bearer ${tokens.admin}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(sample(text, "cited_answers_total")).toBe(1);
    expect(sample(text, 'cited_answer_seconds_count{phase="total"}')).toBe(1);
    expect(sample(text, 'cited_answer_seconds_count{phase="retrieval"}')).toBe(1);
    expect(sample(text, 'cited_queue_jobs{queue="ingest",state="completed"}')).toBe(1);
    expect(sample(text, "cited_process_cpu_seconds_total")).toBeGreaterThan(0);
  });

  test("a second worker on the same metrics port stops at once with a message naming the setting", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", `${ROOT}workers/main.ts`], {
      cwd: ROOT,
      env: service.env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    expect(code).toBe(1);
    expect(stderr).toContain(`WORKER_METRICS_PORT=${workerPort}`);
    expect(stderr).toContain("already in use");
    // The first worker is unharmed.
    expect((await worker("/healthz")).status).toBe(200);
  });
});
