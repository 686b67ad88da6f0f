// `cited eval`: measure retrieval and answers on a dataset (README, "Evaluation").
import { readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import type { Config } from "../config/index.js";
import { chooseDocuments, type Dataset, readDataset, readQuestionsFile } from "../usecases/eval/dataset.js";
import {
  type EvalReport,
  type RetrievalMode,
  reportMarkdown,
  runEval,
  type ScopeMode,
} from "../usecases/eval/runner.js";
import { openEvalStore } from "./eval-store.js";
import { writeReportFiles } from "./report-files.js";

/** A fixed sample and the least scores the code must keep reaching on it. */
const Gate = z.object({
  docs: z.array(z.string()).min(1),
  min: z.record(z.string(), z.number()),
});

/** Read a metric by dotted path, e.g. "retrieval.scoped.hybrid.recall_within_4000_chars". */
function metric(report: EvalReport, path: string): number | undefined {
  let value: unknown = report;
  for (const key of path.split(".")) value = (value as Record<string, unknown> | undefined)?.[key];
  return typeof value === "number" ? value : undefined;
}

/** The command line of `cited eval`, with its defaults. */
function readEvalOptions(args: string[]) {
  return parseArgs({
    args,
    options: {
      dataset: { type: "string" },
      name: { type: "string" },
      docs: { type: "string" },
      sample: { type: "string" },
      questions: { type: "string" },
      "question-field": { type: "string", default: "question" },
      gate: { type: "string" },
      scopes: { type: "string", default: "scoped,open" },
      modes: { type: "string", default: "hybrid,vector,text" },
      answers: { type: "string", default: "0" },
      unanswerable: { type: "string" },
      depth: { type: "string", default: "20" },
      seed: { type: "string", default: "7" },
      store: { type: "string" },
      "store-root": { type: "string", default: join("eval", "stores") },
      out: { type: "string", default: "eval/results" },
    },
  }).values;
}

type EvalOptions = ReturnType<typeof readEvalOptions>;
type Gate = z.infer<typeof Gate>;

/** The dataset, with the other question set in place of its own when one is given. */
function loadDataset(datasetDir: string, options: EvalOptions): Dataset {
  const dataset = readDataset(resolve(datasetDir));
  if (options.questions) {
    // Another question set over the same documents (e.g. the Spanish one): only its documents are indexed.
    dataset.questions = readQuestionsFile(resolve(options.questions), options["question-field"]);
    dataset.unanswerable = [];
  }
  return dataset;
}

/** The documents to index: the gate's fixed sample, or a choice among those asked about. */
function evalDocuments(dataset: Dataset, gate: Gate | null, options: EvalOptions): string[] {
  // A question set of its own, with no other choice, indexes only the documents it asks about.
  const asked =
    options.questions && !gate && !options.sample && !options.docs
      ? [...new Set(dataset.questions.map((q) => q.doc_scope[0]!))]
      : dataset.documents.map((d) => d.doc);
  return gate
    ? gate.docs
    : chooseDocuments(asked, {
        sample: options.sample,
        count: Number(options.docs ?? 0),
        seed: Number(options.seed),
      });
}

/** Build (or reuse) the eval store, then run the eval on it; services are closed at the end. */
async function runOnEvalStore(
  config: Config,
  dataset: Dataset,
  docs: string[],
  name: string,
  options: EvalOptions,
  finish: (report: EvalReport) => number,
): Promise<number> {
  const answers = Number(options.answers);
  const unanswerable = Number(options.unanswerable ?? options.answers);
  const { services, settings, progress, documents, ids, reused } = await openEvalStore(
    config,
    dataset,
    docs,
    options,
  );
  try {
    const retriever = await services.retriever();
    const answerer = answers + unanswerable > 0 ? (await services.answering()).answerer : null;
    const report = await runEval(
      {
        name,
        dataset,
        docs,
        scopes: options.scopes.split(",") as ScopeMode[],
        modes: options.modes.split(",") as RetrievalMode[],
        depth: Math.max(10, Number(options.depth)),
        answerSample: answers,
        unanswerableSample: unanswerable,
        seed: Number(options.seed),
        progress,
      },
      {
        documents,
        ids,
        retriever,
        answerer,
        index: { ...settings, reused_documents: reused, retrieval: retriever.options },
      },
    );
    return finish(report);
  } finally {
    await services.close();
  }
}

/** Print each gated metric against its minimum; the exit code (1 when any is below). */
function checkGate(gate: Gate, report: EvalReport): number {
  const failures = Object.entries(gate.min).filter(([path, min]) => !((metric(report, path) ?? -1) >= min));
  for (const [path, min] of Object.entries(gate.min)) {
    process.stdout.write(`gate ${path}: ${metric(report, path)?.toFixed(3) ?? "missing"} (minimum ${min})\n`);
  }
  if (failures.length) {
    process.stderr.write(`cited eval: regression gate failed on ${failures.map(([p]) => p).join(", ")}\n`);
    return 1;
  }
  process.stdout.write("regression gate passed\n");
  return 0;
}

export async function evalCommand(config: Config, args: string[]): Promise<number> {
  const options = readEvalOptions(args);
  if (!options.dataset) {
    process.stderr.write("cited eval: --dataset DIR is required (a folder with docs/ and questions.jsonl)\n");
    return 2;
  }
  const dataset = loadDataset(options.dataset, options);
  const gate = options.gate ? Gate.parse(JSON.parse(readFileSync(options.gate, "utf8"))) : null;
  const docs = evalDocuments(dataset, gate, options);
  const missing = docs.filter((d) => !dataset.files.has(d));
  if (missing.length) {
    process.stderr.write(`cited eval: not in the dataset: ${missing.slice(0, 3).join(", ")}\n`);
    return 2;
  }
  const name =
    options.name ?? `${basename(dataset.dir)}-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, "-")}`;
  return runOnEvalStore(config, dataset, docs, name, options, (report) => {
    writeReportFiles(options.out, name, report, reportMarkdown(report));
    return gate ? checkGate(gate, report) : 0;
  });
}
