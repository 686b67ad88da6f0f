// npm run bench:scale — hybrid search in a large store: real cuad-dev chunks (parsed, chunked and
// embedded by the worker's pipeline) are copied into a store of --rows chunks spread over 50 tenants
// and 4 ACL groups, each copy's vector the original's plus small Gaussian noise (so neighbours are
// near, not identical). Measures write rate into the empty and the full store, full-text index time,
// hybrid / vector / full-text query p50 and p95 with the tenant + ACL filter (embedding the question
// included), the same with the approximate vector index (HNSW-SQ), its recall@10 against exact
// search, index build time and disk bytes per chunk. Writes bench/results/scale-<rows>-<folder|s3>.json.
//   --rows N      chunks in the large store (default 50000)
//   --maintain-every M  also fold written rows into the indexes every M rows, as a running Cited's
//                 maintenance does after each ingest (default 0: once, at the end)
//   --docs K      cuad-dev contracts embedded as the seed (default 12)
//   --queries Q   cuad-dev questions asked per measurement (default 200)
//   --store-uri U the large store's place: s3://bucket/prefix (the AWS variables say where and as
//                 whom, as for STORE_URI; the bucket must exist), or a folder (default: a new temporary one)
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { ingestDocument } from "../ingestion/pipeline.js";
import type { ChunkRow } from "../schemas/document.js";
import type { AccessScope } from "../src/access/scope.js";
import { loadConfigOrExit } from "../src/config/index.js";
import { mulberry32 } from "../src/lib/random.js";
import { percentile } from "../src/lib/stats.js";
import { HybridRetriever, type RetrievalQuery, retrievalFilter } from "../src/retrieval/hybrid.js";
import { localDocumentRow } from "../src/store/documents.js";
import { openStore, type Store, type StoreLocation, storeIn, storeLocation } from "../src/store/index.js";
import { isObjectStore, s3Settings } from "../src/store/location.js";
import { maintainStore } from "../src/store/maintenance.js";
import { parseS3Uri, s3ClientOf } from "../src/store/originals.js";
import { selectRows } from "../src/store/rows.js";
import { openServices } from "../src/usecases/services.js";
import { ingestSettings } from "../workers/settings.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string" },
    docs: { type: "string" },
    queries: { type: "string" },
    "maintain-every": { type: "string" },
    "store-uri": { type: "string" },
  },
});
const ROWS = Number(values.rows ?? 50_000);
const MAINTAIN_EVERY = Number(values["maintain-every"] ?? 0);
const TENANTS = 50;
const GROUPS = 4;
/** Rows written per commit, as a busy worker pool's batches would be. */
const BATCH = 5_000;
/** Per-dimension noise on a copied vector (384-d unit vectors: cosine to the original ≈ 0.93). */
const NOISE = 0.02;
const config = loadConfigOrExit();
const cuad = resolve("../shared/bench/cuad-dev");
if (!existsSync(join(cuad, "docs"))) {
  console.error(`bench:scale needs ${cuad} (the team's shared benchmark data)`);
  process.exit(2);
}
const random = mulberry32(7);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The seed: cuad-dev contracts through the worker's pipeline, read back as chunk rows with vectors. */
async function seedChunks(dataDir: string): Promise<ChunkRow[]> {
  const services = openServices({ ...config, DATA_DIR: dataDir });
  const embedder = await services.embedder();
  const documents = await services.documents();
  const files = readdirSync(join(cuad, "docs"))
    .filter((f) => /\.pdf$/i.test(f))
    .sort()
    .slice(0, Number(values.docs ?? 12));
  for (const [n, file] of files.entries()) {
    const row = localDocumentRow({
      id: `seed_${n}`,
      name: file,
      path: join(cuad, "docs", file),
      sha256: "0",
    });
    await documents.insert([row]);
    await ingestDocument(row, ingestSettings(config, documents, embedder));
    log(`seed: ${n + 1}/${files.length} contracts embedded`);
  }
  const rows = await selectRows<ChunkRow>((await services.store()).chunks, "true", {});
  await services.close();
  return rows;
}

/** Copy `n` of the seed into rows `from…from+n`: a document every 40 chunks, its tenant and group by number. */
function copies(seed: readonly ChunkRow[], from: number, n: number): ChunkRow[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const base = seed[i % seed.length]!;
    const doc = Math.floor(i / 40);
    const vector = base.vector.map((x) => x + NOISE * gaussian());
    const norm = Math.hypot(...vector);
    return {
      ...base,
      chunk_id: `syn_${i}`,
      document_id: `syn_doc_${doc}`,
      tenant: `tenant-${doc % TENANTS}`,
      acl: [`g${doc % GROUPS}`],
      vector: vector.map((x) => x / norm),
    };
  });
}

/** Fill the store to ROWS in batches of BATCH, maintaining it every MAINTAIN_EVERY rows; seconds spent maintaining. */
async function fill(store: Store, seed: readonly ChunkRow[]): Promise<number> {
  let maintaining = 0;
  for (let from = 0; from < ROWS; from += BATCH) {
    const to = Math.min(ROWS, from + BATCH);
    await store.chunks.add(copies(seed, from, to - from));
    process.stderr.write(`\rwriting: ${to}/${ROWS} chunks`);
    if (MAINTAIN_EVERY > 0 && to < ROWS && to % MAINTAIN_EVERY === 0)
      maintaining += await seconds(() => maintainStore(store, Number.POSITIVE_INFINITY));
  }
  process.stderr.write("\n");
  return maintaining;
}

/** Batches written into each store, alternately, for the write rates: one batch alone is noisy. */
const RATE_BATCHES = 5;

/**
 * Rows/s of more batches into the full store and into a new, empty one (warm process), written
 * alternately so that both see the same machine; the median of each.
 */
async function writeRates(store: Store, seed: readonly ChunkRow[], dimensions: number) {
  const rate = async (target: Store, n: number) => {
    const batch = copies(seed, ROWS + n * BATCH, BATCH);
    const began = performance.now();
    await target.chunks.add(batch);
    return batch.length / ((performance.now() - began) / 1000);
  };
  const emptyDir = mkdtempSync(join(tmpdir(), "cited-bench-scale-empty-"));
  const beside = isObjectStore(location) ? { ...location, uri: `${location.uri}-empty` } : storeIn(emptyDir);
  const empty = await openStore(beside, dimensions, config.EMBED_MODEL);
  const full: number[] = [];
  const fresh: number[] = [];
  for (let n = 0; n < RATE_BATCHES; n++) {
    full.push(await rate(store, n));
    fresh.push(await rate(empty, n));
  }
  empty.close();
  rmSync(emptyDir, { recursive: true, force: true });
  const [fullRate, freshRate] = [Math.round(percentile(full, 50)), Math.round(percentile(fresh, 50))];
  return {
    batches_each: RATE_BATCHES,
    empty_store_rows_per_s: freshRate,
    full_store_rows_per_s: fullRate,
    full_over_empty: Math.round((fullRate / freshRate) * 100) / 100,
  };
}

/** The questions, without the contract-title prefix (the synthetic store has no such titles). */
function questions(count: number): string[] {
  return readFileSync(join(cuad, "questions.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) =>
      (JSON.parse(line) as { question: string }).question.replace(/^In the "[^"]*" contract: /, ""),
    )
    .filter((q, i, all) => all.indexOf(q) === i)
    .slice(0, count);
}

/** A reader of one tenant and one group: the filter every search of a multi-tenant store carries. */
const scopeOf = (n: number): AccessScope => ({
  tenant: `tenant-${n % TENANTS}`,
  groups: [`g${n % GROUPS}`],
  allGroups: false,
});

/** p50 / p95 in ms of each retrieval mode over the questions, each with its own scope. */
async function latencies(retriever: HybridRetriever, asked: readonly string[]) {
  const out: Record<string, { p50_ms: number; p95_ms: number }> = {};
  for (const mode of ["hybrid", "vector", "text"] as const) {
    const ms: number[] = [];
    for (const [n, query] of asked.entries()) {
      const q: RetrievalQuery = { query, topK: 10, scope: scopeOf(n), mode, narrowByTitle: false };
      const began = performance.now();
      await retriever.retrieve(q);
      ms.push(performance.now() - began);
    }
    out[mode] = { p50_ms: Math.round(percentile(ms, 50)), p95_ms: Math.round(percentile(ms, 95)) };
    log(`${mode}: p50 ${out[mode].p50_ms} ms, p95 ${out[mode].p95_ms} ms`);
  }
  return out;
}

/** Mean share of the exact top 10 (same filter) that the approximate index returns. */
async function annRecall(store: Store, vectors: readonly Float32Array[]): Promise<number> {
  let shared = 0;
  for (const [n, vector] of vectors.entries()) {
    const where = retrievalFilter(scopeOf(n));
    const search = () =>
      store.chunks.vectorSearch(Array.from(vector)).distanceType("cosine").where(where).limit(10);
    const exact = (await search().bypassVectorIndex().select(["chunk_id"]).toArray()) as {
      chunk_id: string;
    }[];
    const approx = (await search().select(["chunk_id"]).toArray()) as { chunk_id: string }[];
    const ids = new Set(exact.map((r) => r.chunk_id));
    shared += approx.filter((r) => ids.has(r.chunk_id)).length / Math.max(1, exact.length);
  }
  return shared / vectors.length;
}

/** Bytes the store takes: its folder, or its objects on S3. */
async function storeBytes(where: StoreLocation): Promise<number> {
  if (!isObjectStore(where))
    return Number(execFileSync("du", ["-sb", where.uri], { encoding: "utf8" }).split("\t")[0]);
  const { bucket, prefix } = parseS3Uri(where.uri);
  const client = s3ClientOf(s3Settings(config));
  let bytes = 0;
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) bytes += object.Size ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  client.destroy();
  return bytes;
}

const seconds = async (work: () => Promise<unknown>) => {
  const began = performance.now();
  await work();
  return Math.round((performance.now() - began) / 100) / 10;
};

const seedDir = mkdtempSync(join(tmpdir(), "cited-bench-scale-seed-"));
const storeDir = mkdtempSync(join(tmpdir(), "cited-bench-scale-"));
const location = values["store-uri"]
  ? storeLocation({ ...config, STORE_URI: values["store-uri"] })
  : storeIn(storeDir);
try {
  const seed = await seedChunks(seedDir);
  log(`seed: ${seed.length} real chunks`);
  const services = openServices({ ...config, DATA_DIR: seedDir });
  const embedder = await services.embedder();
  const store = await openStore(location, embedder.dimensions, config.EMBED_MODEL);
  const maintainedWhileFilling = await fill(store, seed);
  log("maintenance: compaction and the full-text index…");
  const fullTextIndexSeconds = await seconds(() => maintainStore(store, Number.POSITIVE_INFINITY));
  const retriever = new HybridRetriever(store, embedder);
  const asked = questions(Number(values.queries ?? 200));
  log("without the vector index:");
  const exact = await latencies(retriever, asked);
  log("maintenance: building the vector index…");
  const indexSeconds = await seconds(() => maintainStore(store, 0));
  log("with the vector index:");
  const ann = await latencies(retriever, asked);
  const recall = await annRecall(store, await embedder.embed(asked.slice(0, 100), "query"));
  const bytes = await storeBytes(location);
  const writes = await writeRates(store, seed, embedder.dimensions);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: (await import("node:os")).availableParallelism() },
    rows: ROWS,
    store: isObjectStore(location) ? "s3" : "folder",
    seed_chunks: seed.length,
    tenants: TENANTS,
    acl_groups: GROUPS,
    embed_model: config.EMBED_MODEL,
    writes,
    maintain_every_rows: MAINTAIN_EVERY,
    maintenance_while_filling_s: maintainedWhileFilling,
    full_text_index_and_compaction_s: fullTextIndexSeconds,
    vector_index_build_s: indexSeconds,
    queries: asked.length,
    exact_vector_search: exact,
    with_vector_index: ann,
    ann_recall_at_10: Math.round(recall * 1000) / 1000,
    disk_bytes_per_chunk: Math.round(bytes / ROWS),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  store.close();
  await services.close();
  mkdirSync("bench/results", { recursive: true });
  const out = `bench/results/scale-${ROWS}-${result.store}.json`;
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${out}`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(seedDir, { recursive: true, force: true });
  rmSync(storeDir, { recursive: true, force: true });
}
