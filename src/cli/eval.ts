// `cited eval`: measure retrieval and answers on a dataset (README, "Evaluation").
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import type { Config } from "../config/index.js";
import { chooseDocuments, readDataset, readQuestionsFile } from "../usecases/eval/dataset.js";
import {
  buildEvalStore,
  type EvalReport,
  evalStoreDir,
  indexSettings,
  type RetrievalMode,
  reportMarkdown,
  runEval,
  type ScopeMode,
} from "../usecases/eval/runner.js";
import { openServices } from "../usecases/services.js";
import { progressBar } from "./progress.js";

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

export async function evalCommand(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
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
  });
  if (!values.dataset) {
    process.stderr.write("cited eval: --dataset DIR is required (a folder with docs/ and questions.jsonl)\n");
    return 2;
  }
  const dataset = readDataset(resolve(values.dataset));
  if (values.questions) {
    // Another question set over the same documents (e.g. the Spanish one): only its documents are indexed.
    dataset.questions = readQuestionsFile(resolve(values.questions), values["question-field"]);
    dataset.unanswerable = [];
  }
  const gate = values.gate ? Gate.parse(JSON.parse(readFileSync(values.gate, "utf8"))) : null;
  // A question set of its own, with no other choice, indexes only the documents it asks about.
  const asked =
    values.questions && !gate && !values.sample && !values.docs
      ? [...new Set(dataset.questions.map((q) => q.doc_scope[0]!))]
      : dataset.documents.map((d) => d.doc);
  const docs = gate
    ? gate.docs
    : chooseDocuments(asked, {
        sample: values.sample,
        count: Number(values.docs ?? 0),
        seed: Number(values.seed),
      });
  const missing = docs.filter((d) => !dataset.files.has(d));
  if (missing.length) {
    process.stderr.write(`cited eval: not in the dataset: ${missing.slice(0, 3).join(", ")}\n`);
    return 2;
  }
  const scopes = values.scopes.split(",") as ScopeMode[];
  const modes = values.modes.split(",") as RetrievalMode[];
  const answers = Number(values.answers);
  const unanswerable = Number(values.unanswerable ?? values.answers);
  const name =
    values.name ?? `${basename(dataset.dir)}-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, "-")}`;
  const settings = indexSettings(config);
  const storeDir = evalStoreDir(settings, dataset.dir, values["store-root"], values.store);
  const progress = progressBar();

  const services = openServices(config);
  const embedder = await services.embedder();
  const { store, documents, ids, reused } = await buildEvalStore(
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
    const answerer = answers + unanswerable > 0 ? (await services.answering()).answerer : null;
    const report = await runEval(
      {
        name,
        dataset,
        docs,
        scopes,
        modes,
        depth: Math.max(10, Number(values.depth)),
        answerSample: answers,
        unanswerableSample: unanswerable,
        seed: Number(values.seed),
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
    mkdirSync(values.out, { recursive: true });
    writeFileSync(join(values.out, `${name}.json`), JSON.stringify(report, null, 2));
    const markdown = reportMarkdown(report);
    writeFileSync(join(values.out, `${name}.md`), markdown);
    process.stdout.write(`${markdown}\nwritten: ${join(values.out, `${name}.json`)} and .md\n`);
    if (gate) {
      const failures = Object.entries(gate.min).filter(
        ([path, min]) => !((metric(report, path) ?? -1) >= min),
      );
      for (const [path, min] of Object.entries(gate.min)) {
        process.stdout.write(
          `gate ${path}: ${metric(report, path)?.toFixed(3) ?? "missing"} (minimum ${min})\n`,
        );
      }
      if (failures.length) {
        process.stderr.write(
          `cited eval: regression gate failed on ${failures.map(([p]) => p).join(", ")}\n`,
        );
        return 1;
      }
      process.stdout.write("regression gate passed\n");
    }
    return 0;
  } finally {
    await services.close();
  }
}
