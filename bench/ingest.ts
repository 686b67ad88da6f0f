// npm run bench:ingest — ingest every PDF of cuad-dev into a fresh store with the worker's pipeline
// (same code, same concurrency as a worker process) and, in the same run, the LangChain.js peer
// pipeline on the same files and the same embedding GGUF. Writes bench/results/ingest.json.
//   --docs N       only the first N documents (default: all)
//   --no-peer      skip the LangChain.js peer
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type IngestStage, ingestDocument } from "../ingestion/pipeline.js";
import { loadConfigOrExit } from "../src/config/index.js";
import { createEmbedder, disposeRuntime, locateModel } from "../src/models/index.js";
import { DocumentRepository, localDocumentRow } from "../src/store/documents.js";
import { openStore } from "../src/store/index.js";
import { maintainStore } from "../src/store/maintenance.js";
import { ingestSettings } from "../workers/settings.js";

const { values } = parseArgs({ options: { docs: { type: "string" }, "no-peer": { type: "boolean" } } });
const config = loadConfigOrExit();
const shared = resolve("../shared");
const docsDir = join(shared, "bench/cuad-dev/docs");
if (!existsSync(docsDir)) {
  console.error(`bench:ingest needs ${docsDir} (the team's shared benchmark data)`);
  process.exit(2);
}
const files = readdirSync(docsDir)
  .filter((f) => /\.pdf$/i.test(f))
  .sort()
  .slice(0, values.docs ? Number(values.docs) : undefined);

const dataDir = mkdtempSync(join(tmpdir(), "cited-bench-ingest-"));
const embedder = await createEmbedder(config);
const store = await openStore(dataDir, embedder.dimensions);
const documents = new DocumentRepository(store);
const stages: Record<IngestStage, number> = { read: 0, parse: 0, chunk: 0, embed: 0, write: 0 };
let pages = 0;
let chunks = 0;
let failed = 0;
const started = performance.now();
const queue = [...files];
const lane = async () => {
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const row = localDocumentRow({
      id: `bench_${pages}_${Math.random().toString(16).slice(2, 10)}`,
      name: file,
      path: join(docsDir, file),
      sha256: "0000000000000000",
    });
    await documents.insert([row]);
    try {
      const r = await ingestDocument(row, ingestSettings(config, documents, embedder));
      for (const [k, v] of Object.entries(r.timings)) stages[k as IngestStage] += v;
      pages += r.pages;
      chunks += r.chunks;
    } catch (error) {
      failed++;
      console.error(`${file}: ${(error as Error).message}`);
    }
    process.stderr.write(`\ringested ${files.length - queue.length}/${files.length}`);
  }
};
await Promise.all(Array.from({ length: config.WORKER_CONCURRENCY }, lane));
const seconds = (performance.now() - started) / 1000;
process.stderr.write("\n");
const maintenanceStarted = performance.now();
await maintainStore(store);
const maintenanceSeconds = (performance.now() - maintenanceStarted) / 1000;
store.close();
const embedPath = await locateModel(config.EMBED_MODEL, config.MODELS_DIR);
await disposeRuntime();
rmSync(dataDir, { recursive: true, force: true });

const stageSum = Object.values(stages).reduce((a, b) => a + b, 0);
const cited = {
  files: files.length,
  failed,
  pages,
  chunks,
  seconds,
  files_per_s: files.length / seconds,
  pages_per_s: pages / seconds,
  chunks_per_s: chunks / seconds,
  // Stage times are summed over the concurrent lanes, so their shares are what matters.
  stage_seconds: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, v / 1000])),
  stage_share: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, v / stageSum])),
  parse_chunk_write_share: (stages.parse + stages.chunk + stages.write + stages.read) / stageSum,
  maintenance_seconds: maintenanceSeconds,
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  concurrency: config.WORKER_CONCURRENCY,
  embed_model: config.EMBED_MODEL,
  chunk_tokens: config.CHUNK_TOKENS,
};
console.log(JSON.stringify(cited, null, 2));

/** The LangChain.js peer (../shared/peers/langchain) on the same files and embedding GGUF. */
function runPeer(): Record<string, number> | null {
  const peerSource = join(shared, "peers/langchain");
  if (values["no-peer"] || !existsSync(peerSource)) return null;
  const peer = mkdtempSync(join(tmpdir(), "cited-peer-"));
  cpSync(peerSource, peer, { recursive: true });
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: peer, stdio: "ignore" });
  const docs = mkdtempSync(join(tmpdir(), "cited-peer-docs-"));
  for (const f of files) cpSync(join(docsDir, f), join(docs, f));
  const run = spawnSync(
    process.execPath,
    [join(peer, "ingest.mjs"), "--docs", docs, "--model", embedPath, "--db", join(peer, "db")],
    {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  rmSync(docs, { recursive: true, force: true });
  rmSync(peer, { recursive: true, force: true });
  const line = run.stdout.trim().split("\n").at(-1);
  if (run.status !== 0 || !line) throw new Error(`peer failed: ${run.stderr.slice(-2000)}`);
  return JSON.parse(line) as Record<string, number>;
}
const peer = runPeer();
const total = (p: Record<string, number>) => p.parse_s! + p.split_s! + (p.embed_and_store_s ?? 0);
const result = {
  date: new Date().toISOString(),
  machine: { cpus: (await import("node:os")).availableParallelism() },
  cited,
  peer_langchain: peer,
  ratios: peer
    ? {
        speedup_total: total(peer) / cited.seconds,
        cited_pages_per_s_over_peer: cited.pages_per_s / (peer.pages! / total(peer)),
        peak_rss_ratio: cited.peak_rss_mb / peer.peak_rss_mb!,
      }
    : null,
};
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/ingest.json", `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result.ratios, null, 2));
console.log("written: bench/results/ingest.json");
