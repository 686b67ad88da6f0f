// Folder sources in integration tests: register, sync and wait, read the documents of a source, and a
// private Redis server that a test may kill and restart.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { postJson, type TestService } from "./service.js";

export type SyncView = {
  id: string;
  state: string;
  counts: { discovered: number; queued: number; done: number; skipped: number; failed: number };
  changes: {
    new: number;
    changed: number;
    renamed: number;
    deleted: number;
    unchanged: number;
    requeued: number;
  } | null;
  started_at: string;
  finished_at: string | null;
  error: string | null;
};
export type SourceView = { id: string; path: string; last_sync: SyncView | null };
export type SourceDoc = {
  id: string;
  name: string;
  status: string;
  type: string | null;
  chunks: number | null;
  pages: number | null;
  job_id: string | null;
  source_path: string | null;
  parent_id: string | null;
  error_code?: string;
  error?: string;
};

const FINISHED = new Set(["done", "failed", "interrupted"]);

export async function createSource(service: TestService, body: Record<string, unknown>): Promise<SourceView> {
  const res = await postJson(service, "/v1/sources", body);
  if (res.status !== 201) throw new Error(`POST /v1/sources: ${res.status} ${await res.text()}`);
  return (await res.json()) as SourceView;
}

export async function getSource(service: TestService, id: string): Promise<SourceView> {
  const res = await service.request(`/v1/sources/${id}`);
  if (res.status !== 200) throw new Error(`GET /v1/sources/${id}: ${res.status} ${await res.text()}`);
  return (await res.json()) as SourceView;
}

export async function startSync(
  service: TestService,
  id: string,
): Promise<{ sync_id: string; started: boolean }> {
  const res = await postJson(service, `/v1/sources/${id}/sync`, {});
  if (res.status !== 202) throw new Error(`POST sync: ${res.status} ${await res.text()}`);
  return (await res.json()) as { sync_id: string; started: boolean };
}

/** Poll a source until the given sync (or its last one) is finished; `until` may stop earlier. */
export async function waitForSync(
  service: TestService,
  sourceId: string,
  syncId: string,
  timeoutMs = 600_000,
  until: (sync: SyncView) => boolean = (s) => FINISHED.has(s.state),
): Promise<SyncView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const source = await getSource(service, sourceId).catch(() => null);
    const sync = source?.last_sync;
    if (sync && sync.id === syncId && until(sync)) return sync;
    if (Date.now() > deadline)
      throw new Error(
        `sync ${syncId} not there in time: ${JSON.stringify(sync)}\n${service.logs().slice(-4000)}`,
      );
    await new Promise((r) => setTimeout(r, 400));
  }
}

export async function syncAndWait(
  service: TestService,
  sourceId: string,
  timeoutMs?: number,
): Promise<SyncView> {
  const { sync_id } = await startSync(service, sourceId);
  return waitForSync(service, sourceId, sync_id, timeoutMs);
}

/** Every document of a source (e-mail attachments too, by parent), by source path. */
export async function sourceDocuments(service: TestService, sourceId: string): Promise<SourceDoc[]> {
  const res = await service.request(`/v1/documents?source_id=${sourceId}&limit=500`);
  const body = (await res.json()) as { items: SourceDoc[]; total: number };
  if (body.total > 500) throw new Error("more than 500 documents: page through them");
  return body.items;
}

export async function chunksOf(service: TestService, id: string) {
  const res = await service.request(`/v1/documents/${id}/chunks`);
  return ((await res.json()) as { items: { chunk_id: string; ordinal: number; text: string }[] }).items;
}

/** A TCP port on 127.0.0.1 that nothing listens on. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own (no persistence: a restart loses everything), never the shared one. */
export interface PrivateRedis {
  url: string;
  kill(): Promise<void>;
  start(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let proc: ChildProcess | null = null;
  const ping = async () => {
    const { Redis } = await import("ioredis");
    const r = new Redis({
      port,
      host: "127.0.0.1",
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    try {
      await r.connect();
      return (await r.ping()) === "PONG";
    } catch {
      return false;
    } finally {
      r.disconnect();
    }
  };
  const redis: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      proc = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "/tmp"],
        { stdio: "ignore" },
      );
      let spawnError: Error | null = null;
      proc.once("error", (e) => {
        spawnError = e;
      });
      for (let i = 0; i < 100 && !(await ping()); i++) await new Promise((r) => setTimeout(r, 100));
      if (!(await ping()))
        throw new Error(
          `redis-server did not start on port ${port} (${spawnError ?? "no answer"}): install it (apt-get install redis-server)`,
        );
    },
    async kill() {
      const p = proc;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const gone = new Promise((r) => p.once("exit", r));
      p.kill("SIGKILL");
      await gone;
    },
  };
  await redis.start();
  return redis;
}
