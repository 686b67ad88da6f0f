// Runs the real service for integration tests: the API and worker processes, as `npm run api` and
// `npm run worker` start them, on a fresh data folder and a Redis key prefix of their own.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

const ROOT = new URL("../..", import.meta.url).pathname;

/** A running API + worker pair for one test file. */
export interface TestService {
  url: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** Start (or restart) the worker process. */
  startWorker(): Promise<void>;
  /** Kill the worker process with a signal and wait until it is gone. */
  killWorker(signal?: NodeJS.Signals): Promise<void>;
  workerAlive(): boolean;
  /** Kill the API process with a signal (SIGKILL by default) and wait until it is gone. */
  killApi(signal?: NodeJS.Signals): Promise<void>;
  /** Start the API process again (after killApi) and wait until it is ready. */
  startApi(): Promise<void>;
  /** Process id of the running worker (its /proc/<pid>/status tells its peak memory), or null. */
  workerPid(): number | null;
  /**
   * Start another API process on the same DATA_DIR, Redis and QUEUE_PREFIX (a replica behind a load
   * balancer), on a port of its own; stopped with the service.
   */
  startApiReplica(): Promise<{ url: string }>;
  /** Fetch against the API with the test key. */
  request(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
  logs(): string;
}

export function startProcess(entry: string, env: NodeJS.ProcessEnv, log: string[]): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, entry)], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (d: Buffer) => {
    log.push(d.toString());
    if (log.length > 400) log.splice(0, log.length - 400);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return child;
}

export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
  log: () => string,
) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms\n${log().slice(-4000)}`);
}

/** The last /readyz answer (or fetch error) per URL: a readiness timeout says which check failed. */
const lastReadiness = new Map<string, string>();

/** /readyz answers 200; the body is read so the connection is not left half-used. */
async function isReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
    lastReadiness.set(url, `${res.status} ${await res.text()}`);
    return res.ok;
  } catch (error) {
    lastReadiness.set(url, `no answer: ${(error as Error).message}`);
    return false;
  }
}

/** Wait until the API at url is ready; on timeout the error names its last readiness answer. */
export function waitReady(url: string, what: string, log: () => string): Promise<void> {
  return waitFor(
    () => isReady(url),
    what,
    90_000,
    () => `${log()}\n[test] last /readyz: ${lastReadiness.get(url)}`,
  );
}

/** Start API and worker with these settings (plus a fresh DATA_DIR and QUEUE_PREFIX). */
export async function startService(settings: Record<string, string> = {}): Promise<TestService> {
  const dataDir = mkdtempSync(join(tmpdir(), "cited-test-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const prefix = `cited-test-${process.pid}-${Date.now()}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_OPTIONS: "",
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: "127.0.0.1",
    QUEUE_PREFIX: prefix,
    OPEN_MODE: "true",
    LOG_LEVEL: "info",
    WORKER_LOCK_MS: "4000",
    // No worker metrics port unless a test asks for one: test files and workers must not share 9464.
    WORKER_METRICS_PORT: "0",
    // The audit trail's HMAC key, as an operator configures it (never inside DATA_DIR).
    AUDIT_KEY: randomBytes(32).toString("hex"),
    ...settings,
  };
  const log: string[] = [];
  const url = `http://127.0.0.1:${port}`;
  let worker: ChildProcess | null = null;
  let api = startProcess("src/api/main.ts", env, log);
  const replicas: ChildProcess[] = [];
  const kill = async (p: ChildProcess, signal: NodeJS.Signals, name: string) => {
    if (p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once("exit", r));
    p.kill(signal);
    await gone;
    log.push(`\n[test] ${name} killed\n`);
  };
  const logs = () => log.join("");
  const service: TestService = {
    url,
    dataDir,
    env,
    async startWorker() {
      worker = startProcess("workers/main.ts", env, log);
      await waitFor(async () => logs().includes('"worker ready"'), "worker start", 60_000, logs);
    },
    async killWorker(signal = "SIGKILL") {
      if (worker) await kill(worker, signal, "worker");
    },
    async killApi(signal = "SIGKILL") {
      await kill(api, signal, "api");
    },
    async startApi() {
      api = startProcess("src/api/main.ts", env, log);
      await waitReady(url, "API readiness", logs);
    },
    async startApiReplica() {
      const replicaUrl = `http://127.0.0.1:${port + 1 + replicas.length}`;
      replicas.push(startProcess("src/api/main.ts", { ...env, PORT: replicaUrl.split(":")[2] }, log));
      await waitReady(replicaUrl, "API replica readiness", logs);
      return { url: replicaUrl };
    },
    workerAlive: () => worker !== null && worker.exitCode === null && worker.signalCode === null,
    workerPid: () => (worker && worker.exitCode === null ? (worker.pid ?? null) : null),
    request: (path, init) => fetch(`${url}${path}`, init),
    async stop() {
      for (const p of [worker, api, ...replicas]) {
        if (p && p.exitCode === null && p.signalCode === null) {
          const gone = new Promise((r) => p.once("exit", r));
          p.kill("SIGTERM");
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 8000)))]);
          clearTimeout(timer);
          if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
        }
      }
      const redis = new Redis(env.REDIS_URL ?? "redis://127.0.0.1:6379", {
        maxRetriesPerRequest: 1,
        retryStrategy: () => null,
      });
      try {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
      } catch {
        // That Redis is gone (a test stopped its own); nothing to clean.
      } finally {
        redis.disconnect();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
    logs,
  };
  try {
    await waitReady(url, "API readiness", logs);
    await service.startWorker();
  } catch (error) {
    // A service that did not come up is not left running (and loading models) behind the test.
    await service.stop();
    throw error;
  }
  return service;
}

/** Upload files (name → bytes) in one multipart request. */
export async function upload(
  service: TestService,
  files: Record<string, Uint8Array>,
  fields: Record<string, string> = {},
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  for (const [name, bytes] of Object.entries(files))
    form.append("files", new Blob([new Uint8Array(bytes)]), name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return service.request("/v1/documents", { method: "POST", body: form, headers });
}

/** Wait until every listed document has left queued/processing; returns their final views. */
export async function waitForDocuments(
  service: TestService,
  ids: string[],
  timeoutMs = 180_000,
  headers: Record<string, string> = {},
) {
  const done = new Map<string, Record<string, unknown>>();
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && done.size < ids.length) {
    for (const id of ids) {
      if (done.has(id)) continue;
      const res = await service.request(`/v1/documents/${id}`, { headers });
      const body = (await res.json()) as Record<string, unknown>;
      if (body.status === "ready" || body.status === "failed") done.set(id, body);
    }
    if (done.size < ids.length) await new Promise((r) => setTimeout(r, 250));
  }
  if (done.size < ids.length) throw new Error(`documents not done in time\n${service.logs().slice(-4000)}`);
  return ids.map((id) => done.get(id)!);
}

export async function postJson(
  service: TestService,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return service.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** Wait until store maintenance has folded every chunk into the full-text index (it runs seconds after ingestion). */
export async function waitForIndex(service: TestService, timeoutMs = 60_000): Promise<void> {
  const lancedb = await import("@lancedb/lancedb");
  const db = await lancedb.connect(join(service.dataDir, "lancedb"), { readConsistencyInterval: 0 });
  const table = await db.openTable("chunks");
  try {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const stats = await table.indexStats("search_text_idx");
      if (stats && stats.numUnindexedRows === 0 && stats.numIndexedRows > 0) return;
      if (Date.now() > until) throw new Error(`full-text index not up to date: ${JSON.stringify(stats)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    table.close();
    db.close();
  }
}

/** Upload files and wait until each is ready or failed: their document views, in upload order. */
export async function ingestFiles<T = Record<string, unknown>>(
  service: TestService,
  files: Record<string, Uint8Array>,
  timeoutMs = 300_000,
): Promise<T[]> {
  const res = await upload(service, files);
  if (res.status !== 202) throw new Error(`the upload answered ${res.status}: ${await res.text()}`);
  const { documents } = (await res.json()) as { documents: { id: string }[] };
  return (await waitForDocuments(
    service,
    documents.map((d) => d.id),
    timeoutMs,
  )) as T[];
}

/** A stored page of a document (GET /v1/documents/:id/pages/:n). */
export async function storedPage<
  T = { page: number; text: string; text_source: string; ocr_confidence: number | null },
>(service: TestService, id: string, n: number): Promise<T> {
  const res = await service.request(`/v1/documents/${id}/pages/${n}`);
  if (res.status !== 200) throw new Error(`page ${n} of ${id} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** The top five passages for a query within one document (POST /v1/search). */
export async function searchDocument<T = Record<string, unknown>>(
  service: TestService,
  query: string,
  id: string,
): Promise<T[]> {
  const res = await postJson(service, "/v1/search", { query, top_k: 5, filters: { document_ids: [id] } });
  if (res.status !== 200) throw new Error(`search answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { passages: T[] }).passages;
}
