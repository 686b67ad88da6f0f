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
import { locateModel } from "../src/models/index.js";
import { localDocumentRow } from "../src/store/documents.js";
import { maintainStore } from "../src/store/maintenance.js";
import { openServices } from "../src/usecases/services.js";
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
const services = openServices({ ...config, DATA_DIR: dataDir });
const embedder = await services.embedder();
const store = await services.store();
const documents = await services.documents();
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
const embedPath = await locateModel(config.EMBED_MODEL, config.MODELS_DIR);
await services.close();
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

/** What the LangChain.js peer printed, or why it failed. */
type PeerRun = { result: Record<string, number> | null; error: string | null };

/**
 * The LangChain.js peer (../shared/peers/langchain) on the same files and embedding GGUF; with
 * `embed` false, its parsing and splitting alone.
 */
function runPeer(peer: string, docs: string, embed: boolean): PeerRun {
  const args = [join(peer, "ingest.mjs"), "--docs", docs, "--db", join(peer, "db")];
  if (embed) args.push("--model", embedPath);
  const run = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const line = run.stdout.trim().split("\n").at(-1);
  if (run.status === 0 && line) return { result: JSON.parse(line) as Record<string, number>, error: null };
  const error = /Error: (.*)/.exec(run.stderr)?.[1] ?? run.stderr.slice(-500);
  return { result: null, error };
}

let peerEmbed: PeerRun | null = null;
let peerParse: PeerRun | null = null;
const peerSource = join(shared, "peers/langchain");
if (!values["no-peer"] && existsSync(peerSource)) {
  const peer = mkdtempSync(join(tmpdir(), "cited-peer-"));
  cpSync(peerSource, peer, { recursive: true });
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: peer, stdio: "ignore" });
  const docs = mkdtempSync(join(tmpdir(), "cited-peer-docs-"));
  for (const f of files) cpSync(join(docsDir, f), join(docs, f));
  peerEmbed = runPeer(peer, docs, true);
  // Its defaults can fail on real contracts (a 1,000-character chunk over the embedder's context):
  // then at least its parsing and splitting are timed against Cited's.
  if (!peerEmbed.result) peerParse = runPeer(peer, docs, false);
  rmSync(docs, { recursive: true, force: true });
  rmSync(peer, { recursive: true, force: true });
}
const peer = peerEmbed?.result ?? null;
const total = (p: Record<string, number>) => p.parse_s! + p.split_s! + (p.embed_and_store_s ?? 0);
const parsed = peer ?? peerParse?.result ?? null;
const result = {
  date: new Date().toISOString(),
  machine: { cpus: (await import("node:os")).availableParallelism() },
  cited,
  peer_langchain: peer ?? { failed: peerEmbed?.error ?? "not run", parse_and_split_only: parsed },
  ratios: {
    speedup_total: peer ? total(peer) / cited.seconds : null,
    cited_pages_per_s_over_peer: peer ? cited.pages_per_s / (peer.pages! / total(peer)) : null,
    peak_rss_ratio: peer ? cited.peak_rss_mb / peer.peak_rss_mb! : null,
    // Cited's parse + chunk time (summed over its lanes) against the peer's parse + split.
    parse_and_chunk_time_over_peer: parsed
      ? ((cited.stage_seconds.parse ?? 0) + (cited.stage_seconds.chunk ?? 0)) /
        (parsed.parse_s! + parsed.split_s!)
      : null,
  },
};
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/ingest.json", `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result.ratios, null, 2));
console.log("written: bench/results/ingest.json");
