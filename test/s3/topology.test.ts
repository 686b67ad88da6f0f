// Cited spread over machines, on one: an S3-compatible server (moto), a Redis of its own, two API
// processes and three workers, each with its own empty DATA_DIR — no folder shared between them.
// 200 files are uploaded through alternating APIs, one worker is SIGKILLed mid-batch and Redis is
// restarted once, empty (every queued job lost; the last batch, uploaded while the workers are
// paused, is sure to be among them): every file still ends ready exactly once, searches
// through either API agree, a key revoked through one API is refused by the other, and the audit
// trail in the bucket holds an intact chain per API.
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import * as lancedb from "@lancedb/lancedb";
import { StoreAuditTrail } from "../../src/access/audit-store.js";
import { KEY_REFRESH_MS, KeyStore } from "../../src/access/keys.js";
import { auditKey } from "../../src/config/audit-key.js";
import { loadConfig } from "../../src/config/index.js";
import { type StoreLocation, storeLocation } from "../../src/store/index.js";
import { type S3Server, startS3Server } from "../support/s3.js";
import { startProcess, waitFor, waitReady } from "../support/service.js";
import { freePort, type PrivateRedis, startPrivateRedis } from "../support/sources.js";

const FILES = 200;
const BATCH = 10;
const BUCKET = "cited";

let s3: S3Server;
let redis: PrivateRedis;
let env: NodeJS.ProcessEnv;
let location: StoreLocation;
const folders: string[] = [];
const log: string[] = [];
const logs = () => log.join("");
const apis: { url: string; proc: ChildProcess }[] = [];
const workers: ChildProcess[] = [];
let admin: string;

/** A process's own empty DATA_DIR: nothing of it is seen by the others. */
function ownFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), "cited-topology-"));
  folders.push(dir);
  return dir;
}

/** A made-up word per file (8 letters, so that it is one rare token for full-text search). */
const marker = (i: number) =>
  `q${Array.from(String(i * 7919 + 100_013), (d) => "bcdfghjklm"[Number(d)]).join("")}x`;
const NOTES = "supplier training audit schedule invoice warehouse forecast survey pilot vendor".split(" ");
/** Memo i has i words of notes: no two memos are of one length, so no two tie in a search's scores. */
const memo = (i: number) =>
  `Memo ${i}. The ${marker(i)} project received a budget of ${1000 + i} euros for the year. ` +
  `Its steering group meets on the first Monday of each month and reports to the board. ` +
  `Notes: ${Array.from({ length: i }, (_, k) => NOTES[(i + k) % NOTES.length]).join(" ")}.`;

async function startApi(): Promise<void> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = startProcess("src/api/main.ts", { ...env, PORT: String(port), DATA_DIR: ownFolder() }, log);
  apis.push({ url, proc });
  await waitReady(url, `API ${apis.length} readiness`, logs);
}

async function startWorker(): Promise<void> {
  const mine: string[] = [];
  const proc = startProcess("workers/main.ts", { ...env, DATA_DIR: ownFolder() }, mine);
  proc.stdout!.on("data", (d: Buffer) => log.push(d.toString()));
  workers.push(proc);
  await waitFor(async () => mine.join("").includes('"worker ready"'), "worker start", 120_000, logs);
}

async function stop(p: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once("exit", r));
  p.kill(signal);
  p.kill("SIGCONT"); // a paused process takes its signal only once it runs
  await gone;
}

beforeAll(async () => {
  s3 = await startS3Server();
  await s3.createBucket(BUCKET);
  redis = await startPrivateRedis();
  env = {
    ...process.env,
    ...s3.env,
    NODE_OPTIONS: "",
    STORE_URI: `s3://${BUCKET}/topology`,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: `cited-topology-${process.pid}`,
    HOST: "127.0.0.1",
    OPEN_MODE: "false",
    RATE_LIMIT_PER_MINUTE: "0",
    JUDGE_MODEL: "none",
    ANSWER_STYLE: "extractive",
    LOG_LEVEL: "info",
    WORKER_LOCK_MS: "4000",
    WORKER_METRICS_PORT: "0",
    AUDIT_KEY: randomBytes(32).toString("hex"),
  };
  location = storeLocation(loadConfig({ ...env, DATA_DIR: ownFolder() }));
  // One at a time: the first creates the store's tables, which the others then open.
  await startApi();
  await startApi();
  for (let i = 0; i < 3; i++) await startWorker();
  const keys = new KeyStore(ownFolder(), { store: location });
  admin = (await keys.create({ tenant: "legal", groups: ["team"], role: "admin" })).key;
  await keys.close();
  await new Promise((r) => setTimeout(r, KEY_REFRESH_MS + 300));
}, 600_000);

afterAll(async () => {
  for (const p of [...workers, ...apis.map((a) => a.proc)]) await stop(p, "SIGTERM");
  await redis?.kill();
  await s3?.stop();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });

/** Upload a batch of memos through an API; a 503 while Redis is away is retried, as a client would. */
async function uploadBatch(api: string, from: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const form = new FormData();
    for (let i = from; i < from + BATCH; i++) form.append("files", new Blob([memo(i)]), `memo-${i}.txt`);
    const res = await fetch(`${api}/v1/documents`, { method: "POST", body: form, headers: as(admin) });
    if (res.status === 202) return;
    if (res.status !== 503 || attempt > 20)
      throw new Error(`upload answered ${res.status}: ${await res.text()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

type Listed = { id: string; name: string; status: string; chunks: number | null; error: string | null };

async function documents(api: string): Promise<Listed[]> {
  const res = await fetch(`${api}/v1/documents?limit=500`, { headers: as(admin) });
  if (res.status !== 200) throw new Error(`listing answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { items: Listed[] }).items;
}

const readyCount = async (api: string) => (await documents(api)).filter((d) => d.status === "ready").length;

async function search(api: string, query: string): Promise<{ document_id: string; chunk_id: string }[]> {
  const res = await fetch(`${api}/v1/search`, {
    method: "POST",
    headers: { ...as(admin), "content-type": "application/json" },
    body: JSON.stringify({ query, top_k: 5 }),
  });
  if (res.status !== 200) throw new Error(`search answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { passages: { document_id: string; chunk_id: string }[] }).passages;
}

/** The chunks table on the bucket, read by the test itself. */
async function withChunks<T>(read: (table: lancedb.Table) => Promise<T>): Promise<T> {
  const db = await lancedb.connect(location.uri, { storageOptions: { ...location.storageOptions } });
  const table = await db.openTable("chunks");
  try {
    return await read(table);
  } finally {
    table.close();
    db.close();
  }
}

const storedChunks = () =>
  withChunks(async (table) =>
    (await table.query().select(["document_id", "chunk_id"]).toArray()).map((r) => ({
      document_id: String(r.document_id),
      chunk_id: String(r.chunk_id),
    })),
  );

/** Once maintenance has folded every chunk into the full-text index, both APIs search one version. */
const indexSettled = () =>
  withChunks(async (table) => {
    const stats = await table.indexStats("search_text_idx");
    return stats !== undefined && stats.numUnindexedRows === 0 && stats.numIndexedRows > 0;
  });

/** Whether the bucket holds an object, asked with the AWS SDK as another S3 client would. */
async function objectExists(key: string): Promise<boolean> {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: s3.env.AWS_ACCESS_KEY_ID!, secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY! },
  });
  try {
    await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === "NotFound") return false;
    throw error;
  } finally {
    client.destroy();
  }
}

describe("two APIs and three workers on S3 and Redis, no shared folder", () => {
  test("200 files uploaded through both APIs, a worker killed and Redis restarted: each ends ready once, searchable alike through both", async () => {
    const batches = Array.from({ length: FILES / BATCH }, (_, b) => b);
    const half = batches.length / 2;
    const alive = () => workers.filter((w) => w.exitCode === null && w.signalCode === null);
    for (const b of batches) {
      // The last batch waits for certain when Redis restarts: the workers are paused before it comes.
      if (b === batches.length - 1) for (const w of alive()) w.kill("SIGSTOP");
      await uploadBatch(apis[b % 2]!.url, b * BATCH);
      // Mid-batch: once the workers are under way, one of them dies without a goodbye.
      if (b === half - 1) {
        await waitFor(async () => (await readyCount(apis[0]!.url)) >= 10, "first files ready", 300_000, logs);
        await stop(workers[0]!, "SIGKILL");
        log.push("\n[test] worker 1 killed\n");
      }
    }
    // Redis restarts empty while files still wait: their jobs are gone, the workers queue them again.
    const readyAtRestart = await readyCount(apis[1]!.url);
    expect(readyAtRestart).toBeLessThanOrEqual(FILES - BATCH);
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();
    for (const w of alive()) w.kill("SIGCONT");
    log.push("\n[test] Redis restarted empty, workers resumed\n");
    const restarted = Date.now();

    await waitFor(
      async () => (await documents(apis[0]!.url)).every((d) => d.status === "ready" || d.status === "failed"),
      "every file done",
      900_000,
      logs,
    );
    const listed = await documents(apis[0]!.url);
    console.log(
      `${readyAtRestart} of ${FILES} ready when Redis restarted; all done ${((Date.now() - restarted) / 1000).toFixed(0)} s later`,
    );
    expect(listed.filter((d) => d.status !== "ready").map((d) => `${d.name}: ${d.error}`)).toEqual([]);
    // Exactly once: one document per file, and each document's chunks stored once.
    expect(listed).toHaveLength(FILES);
    expect(new Set(listed.map((d) => d.name)).size).toBe(FILES);
    const chunks = await storedChunks();
    expect(new Set(chunks.map((c) => c.chunk_id)).size).toBe(chunks.length);
    const perDocument = new Map<string, number>();
    for (const c of chunks) perDocument.set(c.document_id, (perDocument.get(c.document_id) ?? 0) + 1);
    for (const d of listed) expect([d.name, perDocument.get(d.id)]).toEqual([d.name, d.chunks]);

    // Both APIs see the same documents, and each finds every memo asked for by its own word. (The order
    // of the other, near-identical memos around it is not compared: it differed between two processes.)
    expect(await documents(apis[1]!.url)).toEqual(listed);
    // Maintenance runs one at a time, each retried up to 5 times over 75 s of backoff, and on moto one
    // run takes tens of seconds on a busy machine: ten minutes bound it.
    await waitFor(indexSettled, "full-text index up to date", 600_000, logs);
    const byName = new Map(listed.map((d) => [d.name, d.id]));
    for (let i = 0; i < FILES; i += 10) {
      const query = `What budget did the ${marker(i)} project receive?`;
      for (const api of apis) {
        const found = (await search(api.url, query)).map((p) => p.document_id);
        expect([api.url, query, found]).toEqual([
          api.url,
          query,
          expect.arrayContaining([byName.get(`memo-${i}.txt`)]),
        ]);
      }
    }
  }, 2_000_000);

  test("an upload's file lives in the bucket: served by the other API, and gone from it once deleted", async () => {
    const [one, two] = [apis[0]!.url, apis[1]!.url];
    const form = new FormData();
    form.append("files", new Blob([memo(FILES)]), "kept.txt");
    const res = await fetch(`${one}/v1/documents`, { method: "POST", body: form, headers: as(admin) });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as { documents: { id: string }[] }).documents[0]!.id;
    await waitFor(
      async () => (await documents(two)).some((d) => d.id === id && d.status === "ready"),
      "kept.txt ready",
      300_000,
      logs,
    );
    const stored = () => objectExists(`topology/files/${id}`);
    expect(await stored()).toBe(true);
    const served = await fetch(`${two}/v1/documents/${id}/file`, { headers: as(admin) });
    expect([served.status, await served.text()]).toEqual([200, memo(FILES)]);
    expect((await fetch(`${two}/v1/documents/${id}`, { method: "DELETE", headers: as(admin) })).status).toBe(
      204,
    );
    expect(await stored()).toBe(false);
  }, 360_000);

  test("a key revoked through one API is refused by the other within a second", async () => {
    const [one, two] = [apis[0]!.url, apis[1]!.url];
    const created = await fetch(`${one}/v1/keys`, {
      method: "POST",
      headers: { ...as(admin), "content-type": "application/json" },
      body: JSON.stringify({ role: "reader", groups: ["team"], label: "topology" }),
    });
    expect(created.status).toBe(201);
    const { key, info } = (await created.json()) as { key: string; info: { id: string } };
    await new Promise((r) => setTimeout(r, KEY_REFRESH_MS + 300));
    expect((await fetch(`${two}/v1/documents`, { headers: as(key) })).status).toBe(200);
    const revoked = await fetch(`${one}/v1/keys/${info.id}`, { method: "DELETE", headers: as(admin) });
    expect(revoked.status).toBe(204);
    await new Promise((r) => setTimeout(r, KEY_REFRESH_MS + 300));
    expect((await fetch(`${two}/v1/documents`, { headers: as(key) })).status).toBe(401);
  }, 60_000);

  test("the audit trail is in the bucket: a chain per API process, each intact", async () => {
    const trail = new StoreAuditTrail(location, auditKey(loadConfig({ ...env, DATA_DIR: ownFolder() })));
    try {
      expect(await trail.verify()).toMatchObject({ ok: true });
      const records = await trail.read(new Date(0));
      const writers = new Set(records.filter((r) => r.event === "search").map((r) => r.writer));
      expect(writers.size).toBe(2);
      expect(records.filter((r) => r.event === "documents.upload").length).toBeGreaterThanOrEqual(
        FILES / BATCH,
      );
    } finally {
      await trail.close();
    }
  });
});
