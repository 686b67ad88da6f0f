// npm run bench:sync — sync a copy of ../shared/bench/cuad-dev/docs into a fresh store with the real
// parts (Redis, the sync and ingest workers as a worker process runs them, LanceDB, the embedding
// model): once cold, then again with nothing changed. Writes bench/results/sync.json.
//   --docs N    only the first N documents (default: all)
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_TENANT, PUBLIC_GROUP } from "../schemas/document.js";
import { FINISHED_SYNC_STATES, type SyncSummary } from "../schemas/sources.js";
import { LOCAL_SCOPE } from "../src/access/scope.js";
import { loadConfigOrExit } from "../src/config/index.js";
import { createLogger } from "../src/lib/logger.js";
import { openServices } from "../src/usecases/services.js";
import { SourceService } from "../src/usecases/sync/sources.js";
import { createIngestWorker } from "../workers/ingest.js";
import { ingestSettings } from "../workers/settings.js";
import { createSyncWorker } from "../workers/sync.js";

const { values } = parseArgs({ options: { docs: { type: "string" } } });
const config = loadConfigOrExit();
const docsDir = join(resolve("../shared"), "bench/cuad-dev/docs");
if (!existsSync(docsDir)) {
  console.error(`bench:sync needs ${docsDir} (the team's shared benchmark data)`);
  process.exit(2);
}
const files = readdirSync(docsDir)
  .filter((f) => /\.pdf$/i.test(f))
  .sort()
  .slice(0, values.docs ? Number(values.docs) : undefined);

// The share: a copy in a temporary folder; the store and the Redis keys: fresh and private.
const share = mkdtempSync(join(tmpdir(), "cited-bench-share-"));
for (const f of files) copyFileSync(join(docsDir, f), join(share, f));
const dataDir = mkdtempSync(join(tmpdir(), "cited-bench-sync-"));
const prefix = `cited-bench-sync-${process.pid}`;
const log = createLogger("bench-sync", "warn");

// The worker process's parts, over the private store and key prefix.
const services = openServices(
  { ...config, DATA_DIR: dataDir, QUEUE_PREFIX: prefix },
  { queueRole: "worker" },
);
const embedder = await services.embedder();
const documents = await services.documents();
const sources = await services.sources();
const connection = services.workerConnection();
const producer = services.ingestQueue();
const syncs = services.syncQueue();
const deps = ingestSettings(config, documents, embedder);
const intake = await services.intake();
const ingest = createIngestWorker({
  connection,
  prefix,
  concurrency: config.WORKER_CONCURRENCY,
  deps,
  log,
  intake,
  onSettled: async (data, outcome) => {
    if (data.sync_id) await syncs.settle(data.sync_id, data.document_id, outcome);
  },
});
const syncWorker = createSyncWorker({
  connection: connection.duplicate(),
  prefix,
  log,
  deps: {
    documents,
    sources,
    intake,
    syncs,
    ingestJobState: async (id) => (await producer.get(id))?.state ?? null,
    maxBytes: config.UPLOAD_MAX_BYTES,
    dataDir,
    originals: services.originals(),
  },
});
const service = new SourceService({ sources, documents, syncs, dataDir });

/** Run a sync to its end. Its time is the server's own (started_at → finished_at); polling is light so it does not slow the workers. */
async function timedSync(
  label: string,
): Promise<{ seconds: number; wallSeconds: number; sync: SyncSummary }> {
  const source = (await service.findByPath(DEFAULT_TENANT, share))!;
  const started = performance.now();
  const { sync_id } = await service.startSync(source);
  for (;;) {
    const sync = await service.syncSummary((await service.get(source.id, LOCAL_SCOPE))!);
    if (sync?.id === sync_id) {
      const c = sync.counts;
      process.stderr.write(`\r${label}: ${c.done + c.skipped + c.failed}/${c.discovered} ${sync.state}   `);
      if (FINISHED_SYNC_STATES.includes(sync.state)) {
        process.stderr.write("\n");
        const seconds = (Date.parse(sync.finished_at!) - Date.parse(sync.started_at)) / 1000;
        return { seconds, wallSeconds: (performance.now() - started) / 1000, sync };
      }
    }
    await new Promise((r) => setTimeout(r, performance.now() - started < 3000 ? 25 : 1000));
  }
}

let result: Record<string, unknown>;
try {
  await service.create({ path: share, tenant: DEFAULT_TENANT, acl: [PUBLIC_GROUP] });
  const cold = await timedSync("cold sync");
  const warm = await timedSync("no-change sync");
  const summarise = ({ seconds, wallSeconds, sync }: Awaited<ReturnType<typeof timedSync>>) => ({
    seconds,
    wall_seconds: wallSeconds,
    files_per_s: files.length / seconds,
    counts: sync.counts,
    changes: sync.changes,
  });
  result = {
    date: new Date().toISOString(),
    machine: { cpus: availableParallelism() },
    files: files.length,
    cold: summarise(cold),
    no_change: summarise(warm),
    speedup_no_change_over_cold: cold.seconds / warm.seconds,
    concurrency: config.WORKER_CONCURRENCY,
    llama_threads: config.LLAMA_THREADS,
    embed_model: config.EMBED_MODEL,
  };
} finally {
  await ingest.close();
  await syncWorker.close();
  const keys = await connection.keys(`${prefix}:*`);
  if (keys.length) await connection.del(...keys);
  // The queues, Redis, the store, then the models.
  await services.close();
  rmSync(share, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(JSON.stringify(result, null, 2));
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/sync.json", `${JSON.stringify(result, null, 2)}\n`);
console.log("written: bench/results/sync.json");
// Results are written; do not wait for handles the queue and model libraries may leave open.
process.exit(0);
