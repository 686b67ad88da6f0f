// npm run bench:load — the API under concurrent load, on loopback: an API process (as `npm run api`
// starts it) over a store of cuad-dev contracts, then --searchers concurrent clients searching for
// --seconds, then --askers concurrent clients asking. Each client sends its next request when the last
// is answered (closed loop, so the load is bounded; after a 429 it waits Retry-After). Reports throughput,
// p50 / p95 latency and every status; 429 (rate limit or a full answer line) is the only refusal allowed. Writes bench/results/load.json.
//   --docs N (default 10)  --searchers N (default 50)  --askers N (default 20)  --seconds S (default 60)
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfigOrExit } from "../src/config/index.js";
import { percentile } from "../src/lib/stats.js";
import { readDataset, seededShuffle } from "../src/usecases/eval/dataset.js";
import { buildEvalStore, PIPELINE_VERSION } from "../src/usecases/eval/runner.js";
import { openServices } from "../src/usecases/services.js";

const { values } = parseArgs({
  options: {
    docs: { type: "string", default: "10" },
    searchers: { type: "string", default: "50" },
    askers: { type: "string", default: "20" },
    seconds: { type: "string", default: "60" },
  },
});
const config = loadConfigOrExit();
const dataset = readDataset(resolve("../shared/bench/cuad-dev"));
const docs = seededShuffle(
  dataset.documents.map((d) => d.doc),
  3,
).slice(0, Number(values.docs));
const log = (line: string) => process.stderr.write(`${line}\n`);
const rateLimit = Number(process.env.RATE_LIMIT_PER_MINUTE ?? 0);

/** The store the API serves: cuad-dev contracts through the worker's pipeline (cached between runs). */
async function buildStore(): Promise<string> {
  const dataDir = resolve(
    process.env.CITED_CACHE_DIR ?? "eval",
    "bench-load-store",
    `${PIPELINE_VERSION}-${config.CHUNK_TOKENS}`,
  );
  const services = openServices({ ...config, DATA_DIR: dataDir });
  const settings = {
    embedModel: config.EMBED_MODEL,
    chunkTokens: config.CHUNK_TOKENS,
    pipelineVersion: PIPELINE_VERSION,
  };
  const { store } = await buildEvalStore(
    dataset,
    docs,
    dataDir,
    await services.embedder(),
    settings,
    (l, d, t) => process.stderr.write(`\r${l} ${d}/${t}`),
  );
  process.stderr.write("\n");
  store.close();
  await services.close();
  return dataDir;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
    server.on("error", fail);
  });
}

/** The API on loopback over `dataDir`, ready to answer. */
async function startApi(dataDir: string): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ["--import", "tsx", "src/api/main.ts"], {
    env: {
      ...process.env,
      NODE_OPTIONS: "",
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      // Loopback only, no keys; the rate limit off unless asked for, so the phases measure the answers.
      OPEN_MODE: "true",
      RATE_LIMIT_PER_MINUTE: String(rateLimit),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, proc };
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  proc.kill("SIGKILL");
  throw new Error(`the API did not become ready on ${url}`);
}

/** What one phase measured. */
interface PhaseResult {
  clients: number;
  seconds: number;
  requests: number;
  per_second: number;
  /** Requests answered (200) per minute. */
  answered_per_minute: number;
  /** Latency of answered (200) requests. */
  p50_ms: number;
  p95_ms: number;
  statuses: Record<string, number>;
  /** Anything but 200 and 429: must be 0. */
  errors: number;
}

/** `clients` closed-loop clients sending `request(i)` for `seconds`; the last requests are awaited. */
async function phase(clients: number, seconds: number, request: (i: number) => Promise<Response>) {
  const until = Date.now() + seconds * 1000;
  const ms: number[] = [];
  const statuses: Record<string, number> = {};
  let sent = 0;
  const began = performance.now();
  const client = async () => {
    while (Date.now() < until) {
      const i = sent++;
      const t = performance.now();
      let retryAfterS = 0;
      const status = await request(i).then(
        async (res) => {
          await res.arrayBuffer(); // the whole answer, not just its headers
          retryAfterS = Number(res.headers.get("retry-after") ?? 1) || 1;
          return String(res.status);
        },
        (error: Error) => `fetch error: ${error.message}`,
      );
      if (status === "200") ms.push(performance.now() - t);
      statuses[status] = (statuses[status] ?? 0) + 1;
      // A refused client waits as told (Retry-After), as a well-behaved one does.
      if (status === "429") await new Promise((r) => setTimeout(r, retryAfterS * 1000));
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const elapsed = (performance.now() - began) / 1000;
  const result: PhaseResult = {
    clients,
    seconds: Math.round(elapsed),
    requests: sent,
    per_second: Math.round((sent / elapsed) * 10) / 10,
    answered_per_minute: Math.round(((statuses["200"] ?? 0) / elapsed) * 600) / 10,
    p50_ms: Math.round(percentile(ms, 50)),
    p95_ms: Math.round(percentile(ms, 95)),
    statuses,
    errors: Object.entries(statuses)
      .filter(([s]) => s !== "200" && s !== "429")
      .reduce((n, [, count]) => n + count, 0),
  };
  return result;
}

const questions = seededShuffle(
  dataset.questions.filter((q) => docs.includes(q.doc_scope[0]!)),
  5,
).map((q) => q.question);
const post = (url: string, body: unknown) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(config.ASK_TIMEOUT_MS + 30_000),
  });

const dataDir = await buildStore();
const api = await startApi(dataDir);
try {
  const seconds = Number(values.seconds);
  log(`searching: ${values.searchers} clients for ${seconds} s…`);
  const search = await phase(Number(values.searchers), seconds, (i) =>
    post(`${api.url}/v1/search`, { query: questions[i % questions.length], top_k: 8 }),
  );
  log(JSON.stringify(search));
  log(`asking: ${values.askers} clients for ${seconds} s…`);
  const ask = await phase(Number(values.askers), seconds, (i) =>
    post(`${api.url}/v1/ask`, { question: questions[i % questions.length] }),
  );
  log(JSON.stringify(ask));
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: (await import("node:os")).availableParallelism() },
    documents: docs.length,
    settings: {
      rate_limit_per_minute: rateLimit,
      generation_queue: config.GENERATION_QUEUE,
      chat_model: config.CHAT_MODEL,
      judge_model: config.JUDGE_MODEL,
    },
    search,
    ask,
  };
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/load.json", `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  if (search.errors + ask.errors > 0) process.exitCode = 1;
} finally {
  api.proc.kill("SIGTERM");
}
