// npm run bench:review — time per contract of a review: the `essentials` and the 41-field `cuad`
// template on the cuad-dev contract closest to 20 pages (aims: ≤ 30 s and ≤ 2 min on 2 cores).
// Writes bench/results/review.json.   --pages N (default 20)   --templates essentials,cuad
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { LOCAL_SCOPE } from "../src/access/scope.js";
import { loadConfigOrExit } from "../src/config/index.js";
import { resolveThreads } from "../src/models/runtime.js";
import { CellExtractor } from "../src/review/extractor.js";
import { shippedTemplate } from "../src/review/templates.js";
import { readDataset } from "../src/usecases/eval/dataset.js";
import { buildEvalStore, PIPELINE_VERSION } from "../src/usecases/eval/runner.js";
import { reviewHere } from "../src/usecases/review.js";
import { openServices } from "../src/usecases/services.js";

const { values } = parseArgs({
  options: {
    pages: { type: "string", default: "20" },
    templates: { type: "string", default: "essentials,cuad" },
  },
});
const config = loadConfigOrExit();
const dataset = readDataset(resolve("../shared/bench/cuad-dev"));
const pages = Number(values.pages);
const doc = [...dataset.documents].sort(
  (a, b) => Math.abs((a.pages ?? 0) - pages) - Math.abs((b.pages ?? 0) - pages) || a.doc.localeCompare(b.doc),
)[0]!;
const services = openServices(config);
const embedder = await services.embedder();
const settings = {
  embedModel: config.EMBED_MODEL,
  chunkTokens: config.CHUNK_TOKENS,
  pipelineVersion: PIPELINE_VERSION,
};
const storeDir = resolve("eval", "stores", `bench-review-${PIPELINE_VERSION}-${config.CHUNK_TOKENS}`);
const { store, documents, ids } = await buildEvalStore(
  dataset,
  [doc.doc],
  storeDir,
  embedder,
  settings,
  () => {},
);
services.adoptStore(store);
const retriever = await services.retriever();
const loadStart = performance.now();
const extractor = new CellExtractor(retriever, documents, await services.judge(), await services.generator());
const modelLoadSeconds = (performance.now() - loadStart) / 1000;
const row = (await documents.getForWorker(ids.get(doc.doc)!))!;
// A worker keeps its models warm between contracts: read the weights in (one cell that uses the judge
// and the chat model) before the clock starts, and report that time on its own.
const warmStart = performance.now();
const party = shippedTemplate("essentials").fields.find((f) => f.type === "party")!;
await extractor.cell(row.id, party, LOCAL_SCOPE);
const warmUpSeconds = (performance.now() - warmStart) / 1000;

const runs = [];
for (const name of values.templates.split(",")) {
  const template = shippedTemplate(name);
  const began = performance.now();
  const cpu = process.cpuUsage();
  const view = await reviewHere(extractor, template, [row], LOCAL_SCOPE, (_d, done, total) =>
    process.stderr.write(`\r${name} ${done}/${total}`),
  );
  const seconds = (performance.now() - began) / 1000;
  const used = process.cpuUsage(cpu);
  // CPU time too: on a shared machine the wall clock says as much about the neighbours as about Cited.
  const cpuSeconds = Math.round((used.user + used.system) / 1e5) / 10;
  process.stderr.write(`\n${name}: ${seconds.toFixed(1)} s\n`);
  runs.push({
    template: name,
    fields: template.fields.length,
    seconds_per_contract: Math.round(seconds * 10) / 10,
    cpu_seconds_per_contract: cpuSeconds,
    counts: view.counts,
  });
}
const result = {
  date: new Date().toISOString(),
  contract: doc.doc,
  pages: row.pages,
  threads: resolveThreads(config.LLAMA_THREADS),
  chat_model: config.CHAT_MODEL,
  judge_model: config.JUDGE_MODEL,
  model_load_seconds: Math.round(modelLoadSeconds * 10) / 10,
  warm_up_seconds: Math.round(warmUpSeconds * 10) / 10,
  runs,
};
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/review.json", `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
await services.close();
