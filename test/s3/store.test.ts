// The LanceDB store on S3-compatible object storage (moto's server, started here): Cited's store opens
// on STORE_URI=s3://…, holds what ingestion writes, hybrid search finds it, and commits made at the
// same time by separate processes lose nothing. Run by `npm run test:s3` (not `npm test`): it needs
// moto's server, named by CITED_MOTO_SERVER.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chunkingFor, ingestDocument, readyPatch } from "../../ingestion/pipeline.js";
import { LOCAL_SCOPE } from "../../src/access/scope.js";
import { loadConfig } from "../../src/config/index.js";
import { HybridRetriever } from "../../src/retrieval/hybrid.js";
import { DocumentRepository, localDocumentRow, newDocumentRow } from "../../src/store/documents.js";
import {
  openStore,
  type Store,
  StoreDimensionMismatchError,
  type StoreLocation,
  storedVectorDimensions,
  storeLocation,
} from "../../src/store/index.js";
import { maintainStore } from "../../src/store/maintenance.js";
import { runModule } from "../support/child.js";
import { testEmbedder } from "../support/models.js";
import { type S3Server, startS3Server } from "../support/s3.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const BUCKET = "cited";
const MODEL = "all-minilm-l6-v2";
const LIMITS = { maxBytes: 1_000_000, maxPages: 100, maxExpandedBytes: 10_000_000 };

let s3: S3Server;
let dataDir: string;

beforeAll(async () => {
  s3 = await startS3Server();
  await s3.createBucket(BUCKET);
  dataDir = mkdtempSync(join(tmpdir(), "cited-s3-"));
});

afterAll(async () => {
  await s3?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Where a process configured with STORE_URI=s3://cited/<prefix> and the server's AWS settings keeps its store. */
const s3Store = (prefix: string): StoreLocation =>
  storeLocation(
    loadConfig({ ...process.env, ...s3.env, DATA_DIR: dataDir, STORE_URI: `s3://${BUCKET}/${prefix}` }),
  );

/** Ingest a text file as a public document, as a worker does. */
async function ingestText(store: Store, id: string, text: string): Promise<void> {
  const path = join(dataDir, `${id}.txt`);
  writeFileSync(path, text);
  const documents = new DocumentRepository(store);
  const sha256 = createHash("sha256").update(text).digest("hex");
  const row = localDocumentRow({ id, name: `${id}.txt`, path, sha256 });
  await documents.insert([row]);
  const embedder = await testEmbedder(MODEL);
  const result = await ingestDocument(row, {
    documents,
    embedder,
    limits: LIMITS,
    chunking: chunkingFor(160),
  });
  await documents.update(id, readyPatch(result));
}

/**
 * Run child processes that each open the store, then wait for a common signal before `work`, so their
 * commits overlap; resolves when all exited 0.
 */
async function runTogether(location: StoreLocation, works: string[]): Promise<void> {
  const dir = mkdtempSync(join(dataDir, "together-"));
  const go = join(dir, "go");
  const children = works.map((work, n) => {
    const ready = join(dir, `ready-${n}`);
    return runModule(`
      import { existsSync, writeFileSync } from "node:fs";
      import { openStore } from ${JSON.stringify(join(ROOT, "src/store/index.ts"))};
      import { DocumentRepository, newDocumentRow } from ${JSON.stringify(join(ROOT, "src/store/documents.ts"))};
      const store = await openStore(${JSON.stringify(location)}, 384);
      const documents = new DocumentRepository(store);
      const row = (id) => newDocumentRow({ id, tenant: "default", acl: ["public"], tags: [], name: id,
        sha256: "0", file_path: "/dev/null", status: "processing" });
      writeFileSync(${JSON.stringify(ready)}, "");
      while (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 10));
      ${work}
      store.close();`);
  });
  const allReady = () => works.every((_, n) => existsSync(join(dir, `ready-${n}`)));
  const exited = Promise.all(children);
  let failed: unknown = null;
  exited.catch((e) => (failed = e));
  while (!allReady() && failed === null) await new Promise((r) => setTimeout(r, 20));
  writeFileSync(go, "");
  await exited;
}

/** Every document row's id and status. */
async function statuses(store: Store): Promise<Map<string, string>> {
  const rows = await store.documents.query().select(["id", "status"]).toArray();
  return new Map(rows.map((r) => [String(r.id), String(r.status)]));
}

describe("store on S3-compatible storage", () => {
  test("STORE_URI=s3://… holds the store: ingested documents are found by hybrid search, before and after maintenance", async () => {
    const location = s3Store("search");
    expect(location.storageOptions).toMatchObject({ endpoint: s3.endpoint, allow_http: "true" });
    expect(await storedVectorDimensions(location)).toBeNull();
    const store = await openStore(location, 384, MODEL);
    try {
      await ingestText(
        store,
        "lease",
        "The tenant shall pay the monthly rent of 1,200 euros on the first day of each month.",
      );
      await ingestText(
        store,
        "nda",
        "The receiving party shall keep the disclosed information confidential for five years.",
      );
      const retriever = new HybridRetriever(store, await testEmbedder(MODEL));
      const ask = async (query: string) =>
        (await retriever.retrieve({ query, topK: 2, scope: LOCAL_SCOPE }))[0];
      expect((await ask("how much is the monthly rent?"))?.document_id).toBe("lease");
      expect((await ask("how long must information stay confidential"))?.document_id).toBe("nda");
      await maintainStore(store);
      expect((await ask("how much is the monthly rent?"))?.text).toContain("1,200 euros");
    } finally {
      store.close();
    }
    // The store is on the bucket, not in DATA_DIR, and tools that do not embed read its dimension there.
    expect(existsSync(join(dataDir, "lancedb"))).toBe(false);
    expect(await storedVectorDimensions(location)).toBe(384);
  });

  test("an s3 store built with one embedding model is refused to another of the same dimension", async () => {
    const location = s3Store("model");
    (await openStore(location, 384, MODEL)).close();
    const opening = openStore(location, 384, "multilingual-e5-small");
    await expect(opening).rejects.toBeInstanceOf(StoreDimensionMismatchError);
    await expect(opening).rejects.toThrow(
      /built with the embedding model all-minilm-l6-v2, not multilingual-e5-small; set EMBED_MODEL=all-minilm-l6-v2, or point STORE_URI at a new prefix/,
    );
    (await openStore(location, 384, MODEL)).close();
  });

  test("two processes opening a new s3 store at the same time with different models: one records its model, the other is refused", async () => {
    const location = s3Store("model-race");
    const open = (model: string) =>
      runModule(`import { openStore } from ${JSON.stringify(join(ROOT, "src/store/index.ts"))};
        (await openStore(${JSON.stringify(location)}, 384, ${JSON.stringify(model)})).close();`);
    const results = await Promise.allSettled([open(MODEL), open("multilingual-e5-small")]);
    const opened = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r) => r.status === "rejected").map((r) => String(r.reason));
    expect(opened).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(
      /StoreDimensionMismatchError: the store in s3:\/\/cited\/model-race was built with the embedding model/,
    );
  });

  test("two processes appending to one table at the same time lose no row", async () => {
    const location = s3Store("appends");
    (await openStore(location, 384)).close();
    const appends = (worker: string) =>
      `for (let i = 0; i < 20; i++) await documents.insert([row("${worker}-" + i)]);`;
    await runTogether(location, [appends("a"), appends("b")]);
    const store = await openStore(location, 384);
    try {
      const ids = [...(await statuses(store)).keys()].sort();
      const expected = ["a", "b"].flatMap((w) => Array.from({ length: 20 }, (_, i) => `${w}-${i}`)).sort();
      expect(ids).toEqual(expected);
    } finally {
      store.close();
    }
  });

  test("updates and appends made at the same time by two processes both land", async () => {
    const location = s3Store("updates");
    const store = await openStore(location, 384);
    try {
      const old = Array.from({ length: 20 }, (_, i) =>
        newDocumentRow({
          id: `old-${i}`,
          tenant: "default",
          acl: ["public"],
          tags: [],
          name: `old-${i}`,
          sha256: "0",
          file_path: "/dev/null",
          status: "processing",
        }),
      );
      await new DocumentRepository(store).insert(old);
      await runTogether(location, [
        'for (let i = 0; i < 20; i++) await documents.update("old-" + i, { status: "ready" });',
        'for (let i = 0; i < 20; i++) await documents.insert([row("new-" + i)]);',
      ]);
      const after = await statuses(store);
      expect(after.size).toBe(40);
      for (let i = 0; i < 20; i++) {
        expect(after.get(`old-${i}`)).toBe("ready");
        expect(after.get(`new-${i}`)).toBe("processing");
      }
    } finally {
      store.close();
    }
  });
});
