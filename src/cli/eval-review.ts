// `cited eval --review`: review CUAD-style contracts with a template and score the cells against the
// lawyers' annotations (README, "Contract review"). Tune on eval/tuning.json, report on eval/regression.json.
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Config } from "../config/index.js";
import { CellExtractor, DEFAULT_EXTRACTOR } from "../review/extractor.js";
import { shippedTemplate } from "../review/templates.js";
import { chooseDocuments, type Dataset, readDataset } from "../usecases/eval/dataset.js";
import { evalReview, reviewReportMarkdown } from "../usecases/eval/review.js";
import { openEvalStore } from "./eval-store.js";
import { writeReportFiles } from "./report-files.js";

/** The command line of `cited eval --review`, with its defaults. */
function readReviewEvalOptions(args: string[]) {
  return parseArgs({
    args,
    options: {
      review: { type: "boolean" },
      dataset: { type: "string" },
      sample: { type: "string" },
      docs: { type: "string" },
      limit: { type: "string" },
      seed: { type: "string", default: "7" },
      template: { type: "string", default: "cuad" },
      fields: { type: "string" },
      name: { type: "string" },
      store: { type: "string" },
      "store-root": { type: "string", default: join("eval", "stores") },
      out: { type: "string", default: "eval/results" },
    },
  }).values;
}

type ReviewEvalOptions = ReturnType<typeof readReviewEvalOptions>;
type ReviewReport = Awaited<ReturnType<typeof evalReview>>;
type ReviewTemplate = ReturnType<typeof shippedTemplate>;

/** The contracts to review: a sample or a count, cut to --limit. */
function reviewDocuments(dataset: Dataset, options: ReviewEvalOptions): string[] {
  const docs = chooseDocuments(
    dataset.documents.map((d) => d.doc),
    { sample: options.sample, count: Number(options.docs ?? 0), seed: Number(options.seed) },
  );
  return options.limit ? docs.slice(0, Number(options.limit)) : docs;
}

/** Build (or reuse) the eval store, review the contracts on it and finish with the report; services are
 * closed at the end (after the report is written, as before). */
async function reviewOnEvalStore(
  config: Config,
  dataset: Dataset,
  docs: string[],
  template: ReviewTemplate,
  options: ReviewEvalOptions,
  finish: (report: ReviewReport) => void,
): Promise<void> {
  const { services, progress, documents, ids } = await openEvalStore(config, dataset, docs, options);
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
    finish(await evalReview({ extractor, retriever, ids }, dataset, docs, template, thresholds, progress));
  } finally {
    await services.close();
  }
}

/** The template cut to the fields named in --fields (comma-separated), for tuning a few categories. */
function templateFields(template: ReviewTemplate, names: string | undefined): ReviewTemplate | null {
  if (!names) return template;
  const wanted = names.split(",").map((n) => n.trim().toLowerCase());
  const fields = template.fields.filter((f) => wanted.includes(f.name.toLowerCase()));
  return fields.length > 0 ? { ...template, fields } : null;
}

/** `cited eval --review --dataset DIR [--sample FILE | --docs N] [--template cuad]`; returns the exit code. */
export async function reviewEvalCommand(config: Config, args: string[]): Promise<number> {
  const options = readReviewEvalOptions(args);
  if (!options.dataset) {
    process.stderr.write("cited eval --review: --dataset DIR is required (e.g. ../shared/bench/cuad-dev)\n");
    return 2;
  }
  const dataset = readDataset(resolve(options.dataset));
  const docs = reviewDocuments(dataset, options);
  const shipped = shippedTemplate(options.template);
  const template = templateFields(shipped, options.fields);
  if (!template) {
    const names = shipped.fields.map((f) => f.name).join(", ");
    process.stderr.write(`cited eval --review: --fields names none of the template's fields (${names})\n`);
    return 2;
  }
  await reviewOnEvalStore(config, dataset, docs, template, options, (report) => {
    const name =
      options.name ??
      `review-${template.name}-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, "-")}`;
    writeReportFiles(options.out, name, report, reviewReportMarkdown(report));
  });
  return 0;
}
