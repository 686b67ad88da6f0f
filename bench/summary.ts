// npm run bench:summary — cited summaries of 10 cuad-dev contracts (the regression sample): share of
// proposed summary sentences kept after verification, pages covered, time per contract. Uses the
// store of `cited eval --review`. Writes bench/results/summary.json.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { LOCAL_SCOPE } from "../src/access/scope.js";
import { loadConfigOrExit } from "../src/config/index.js";
import { CellExtractor } from "../src/review/extractor.js";
import { readDataset } from "../src/usecases/eval/dataset.js";
import { buildEvalStore, evalStoreDir, indexSettings } from "../src/usecases/eval/runner.js";
import { openServices } from "../src/usecases/services.js";
import { summaryCells, summaryOf } from "../src/usecases/summary.js";

const config = loadConfigOrExit();
const dataset = readDataset(resolve("../shared/bench/cuad-dev"));
const docs = (JSON.parse(readFileSync("eval/regression.json", "utf8")) as { docs: string[] }).docs;
const settings = indexSettings(config);
const services = openServices(config);
const embedder = await services.embedder();
const { store, documents, ids } = await buildEvalStore(
  dataset,
  docs,
  evalStoreDir(settings, dataset.dir, docs, resolve("eval", "stores")),
  embedder,
  settings,
  () => {},
);
services.adoptStore(store);
const retriever = await services.retriever();
const extractor = new CellExtractor(retriever, documents, null, null);
const rows: {
  doc: string;
  pages: number | null;
  proposed: number;
  kept: number;
  pages_covered: number;
  seconds: number;
}[] = [];
for (const doc of docs) {
  const row = (await documents.getForWorker(ids.get(doc)!))!;
  const began = performance.now();
  const s = summaryOf(row, await summaryCells(extractor, row, LOCAL_SCOPE));
  rows.push({
    doc,
    pages: row.pages,
    proposed: s.proposed,
    kept: s.kept,
    pages_covered: s.pages_covered.length,
    seconds: Math.round((performance.now() - began) / 100) / 10,
  });
  process.stderr.write(
    `${doc.slice(0, 50)}: ${s.kept}/${s.proposed} kept, pages ${s.pages_covered.join(",")}\n`,
  );
}
const sum = (k: "proposed" | "kept" | "pages_covered" | "pages") => rows.reduce((n, r) => n + (r[k] ?? 0), 0);
const result = {
  date: new Date().toISOString(),
  contracts: rows.length,
  kept_share: Math.round((sum("kept") / Math.max(1, sum("proposed"))) * 1000) / 1000,
  pages_covered_share: Math.round((sum("pages_covered") / Math.max(1, sum("pages"))) * 1000) / 1000,
  rows,
};
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/summary.json", `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
await services.close();
