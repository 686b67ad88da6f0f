// `cited eval --review`: review CUAD-style contracts with a template and score the cells against the
// lawyers' annotations (README, "Contract review"). Tune on eval/tuning.json, report on eval/regression.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Config } from "../config/index.js";
import { CellExtractor, DEFAULT_EXTRACTOR } from "../review/extractor.js";
import { shippedTemplate } from "../review/templates.js";
import { chooseDocuments, readDataset } from "../usecases/eval/dataset.js";
import { evalReview, reviewReportMarkdown } from "../usecases/eval/review.js";
import { buildEvalStore, evalStoreDir, indexSettings } from "../usecases/eval/runner.js";
import { openServices } from "../usecases/services.js";
import { progressBar } from "./progress.js";

/** `cited eval --review --dataset DIR [--sample FILE | --docs N] [--template cuad]`; returns the exit code. */
export async function reviewEvalCommand(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      review: { type: "boolean" },
      dataset: { type: "string" },
      sample: { type: "string" },
      docs: { type: "string" },
      limit: { type: "string" },
      seed: { type: "string", default: "7" },
      template: { type: "string", default: "cuad" },
      name: { type: "string" },
      store: { type: "string" },
      "store-root": { type: "string", default: join("eval", "stores") },
      out: { type: "string", default: "eval/results" },
    },
  });
  if (!values.dataset) {
    process.stderr.write("cited eval --review: --dataset DIR is required (e.g. ../shared/bench/cuad-dev)\n");
    return 2;
  }
  const dataset = readDataset(resolve(values.dataset));
  let docs = chooseDocuments(
    dataset.documents.map((d) => d.doc),
    { sample: values.sample, count: Number(values.docs ?? 0), seed: Number(values.seed) },
  );
  if (values.limit) docs = docs.slice(0, Number(values.limit));
  const template = shippedTemplate(values.template);
  const settings = indexSettings(config);
  const storeDir = evalStoreDir(settings, dataset.dir, values["store-root"], values.store);
  const progress = progressBar();
  const services = openServices(config);
  const embedder = await services.embedder();
  const { store, documents, ids } = await buildEvalStore(
    dataset,
    docs,
    storeDir,
    embedder,
    settings,
    progress,
  );
  services.adoptStore(store);
  try {
    const retriever = await services.retriever();
    // Thresholds 0: every verified quote is kept with its support, and the report decides at the
    // configured thresholds (and at others, for tuning) without reviewing again.
    const extractor = new CellExtractor(
      retriever,
      documents,
      await services.judge(),
      await services.generator(),
      { ...DEFAULT_EXTRACTOR, foundSupport: 0, uncertainSupport: 0 },
    );
    const thresholds = {
      found: DEFAULT_EXTRACTOR.foundSupport,
      uncertain: DEFAULT_EXTRACTOR.uncertainSupport,
    };
    const report = await evalReview(
      { extractor, retriever, ids },
      dataset,
      docs,
      template,
      thresholds,
      progress,
    );
    const name =
      values.name ?? `review-${template.name}-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, "-")}`;
    mkdirSync(values.out, { recursive: true });
    writeFileSync(join(values.out, `${name}.json`), JSON.stringify(report, null, 2));
    const markdown = reviewReportMarkdown(report);
    writeFileSync(join(values.out, `${name}.md`), markdown);
    process.stdout.write(`${markdown}\nwritten: ${join(values.out, `${name}.json`)} and .md\n`);
    return 0;
  } finally {
    await services.close();
  }
}
