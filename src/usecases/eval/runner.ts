// `cited eval`: build (or reuse) a store of a dataset's documents, then measure retrieval (hybrid and
// the full-text-only and vector-only baselines, scoped and open) and, on a sample, answers.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { chunkingFor, ingestDocument } from "../../../ingestion/pipeline.js";
import type { AskResponse } from "../../../schemas/api.js";
import { LOCAL_SCOPE } from "../../access/scope.js";
import type { Answerer, DraftTrace, SupportSignals } from "../../answer/answerer.js";
import type { Embedder } from "../../models/embedder.js";
import type { HybridRetriever, RetrievedPassage } from "../../retrieval/hybrid.js";
import { DocumentRepository, localDocumentRow } from "../../store/documents.js";
import { openStore, type Store } from "../../store/index.js";
import { type Dataset, type DatasetQuestion, seededShuffle } from "./dataset.js";
import {
  aggregate,
  type FoldedDocument,
  foldDocument,
  locateEvidence,
  type QuestionScore,
  type Range,
  type RetrievalMetrics,
  scoreRanking,
  type ThresholdPoint,
  thresholdCurve,
} from "./metrics.js";

/** Reports progress of long steps (a progress bar in the CLI). */
export type Progress = (label: string, done: number, total: number) => void;

/** Settings that change the index: a store is reused only when they are the same. */
export interface IndexSettings {
  embedModel: string;
  chunkTokens: number;
  /** Bumped when chunking or parsing changes. */
  pipelineVersion: string;
}

export const PIPELINE_VERSION = "2026-11-30.1";

/** Thresholds the report shows answer rates at. */
const CURVE_THRESHOLDS = [0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];

/** The index settings of this configuration: a store built with others is not reused. */
export function indexSettings(config: { EMBED_MODEL: string; CHUNK_TOKENS: number }): IndexSettings {
  return {
    embedModel: config.EMBED_MODEL,
    chunkTokens: config.CHUNK_TOKENS,
    pipelineVersion: PIPELINE_VERSION,
  };
}

/** The evaluation store of a dataset for these settings (`--store` wins): documents are indexed once. */
export function evalStoreDir(
  settings: IndexSettings,
  datasetDir: string,
  root: string,
  store?: string,
): string {
  const key = createHash("sha256")
    .update(JSON.stringify({ settings, dataset: datasetDir }))
    .digest("hex")
    .slice(0, 12);
  return resolve(store ?? join(root, `${basename(datasetDir)}-${key}`));
}

/** A document id for a dataset file: stable across runs. */
const evalDocumentId = (doc: string) => `eval_${createHash("sha256").update(doc).digest("hex").slice(0, 16)}`;

/** Build the dataset's store, or reuse it when the same documents were indexed with the same settings. */
export async function buildEvalStore(
  dataset: Dataset,
  docs: readonly string[],
  storeDir: string,
  embedder: Embedder,
  settings: IndexSettings,
  progress: Progress,
): Promise<{ store: Store; documents: DocumentRepository; ids: Map<string, string>; reused: number }> {
  mkdirSync(storeDir, { recursive: true });
  const manifestPath = join(storeDir, "eval-manifest.json");
  const manifest = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, "utf8")) as {
        settings: IndexSettings;
        indexed: Record<string, string>;
      })
    : null;
  const sameSettings = manifest && JSON.stringify(manifest.settings) === JSON.stringify(settings);
  const indexed: Record<string, string> = sameSettings ? manifest.indexed : {};
  if (!sameSettings && manifest)
    throw new Error(`${storeDir} was built with other settings; remove it or pick another --store`);
  const store = await openStore(storeDir, embedder.dimensions);
  const documents = new DocumentRepository(store);
  const ids = new Map(docs.map((d) => [d, evalDocumentId(d)]));
  const todo = docs.filter((d) => !indexed[d]);
  let done = 0;
  progress("indexing documents", 0, todo.length);
  const queue = [...todo];
  const worker = async () => {
    for (let doc = queue.shift(); doc !== undefined; doc = queue.shift()) {
      const id = ids.get(doc)!;
      const path = dataset.files.get(doc)!;
      const sha256 = createHash("sha256").update(readFileSync(path)).digest("hex");
      const row = localDocumentRow({ id, name: doc, path, sha256, tags: ["eval"] });
      await documents.delete(id);
      await documents.insert([row]);
      const result = await ingestDocument(row, {
        documents,
        embedder,
        limits: { maxBytes: 512 * 1024 * 1024, maxPages: 10_000, maxExpandedBytes: 512 * 1024 * 1024 },
        chunking: chunkingFor(settings.chunkTokens),
      });
      await documents.update(id, {
        status: "ready",
        type: result.type,
        title: result.title,
        pages: result.pages,
        chunks: result.chunks,
      });
      indexed[doc] = sha256;
      writeFileSync(manifestPath, JSON.stringify({ settings, indexed }, null, 2));
      progress("indexing documents", ++done, todo.length);
    }
  };
  // Two files at a time: one parses while the other embeds.
  await Promise.all([worker(), worker()]);
  const { maintainStore } = await import("../../store/maintenance.js");
  await maintainStore(store);
  return { store, documents, ids, reused: docs.length - todo.length };
}

/** Folded page text of each evaluated document, built once. */
async function foldedDocuments(documents: DocumentRepository, ids: Map<string, string>) {
  const out = new Map<string, { whitespace: FoldedDocument; alnum: FoldedDocument }>();
  for (const [doc, id] of ids) {
    const pages = await documents.pages(id, LOCAL_SCOPE);
    out.set(doc, { whitespace: foldDocument(pages, "whitespace"), alnum: foldDocument(pages, "alnum") });
  }
  return out;
}

/** Evidence of a question located in its document, in the folding that found it. */
interface LocatedQuestion {
  q: DatasetQuestion;
  doc: string;
  folded: FoldedDocument;
  evidence: Range[];
  pages: Set<number>;
}

function locateAll(
  questions: readonly DatasetQuestion[],
  folded: Map<string, { whitespace: FoldedDocument; alnum: FoldedDocument }>,
) {
  const located: LocatedQuestion[] = [];
  let unlocated = 0;
  for (const q of questions) {
    const doc = q.doc_scope[0]!;
    const f = folded.get(doc);
    if (!f) continue;
    const evidence = q.evidence.filter((e) => e.doc === doc && e.text.trim());
    let mode: "whitespace" | "alnum" = "whitespace";
    let ranges = evidence
      .map((e) => locateEvidence(f.whitespace, e.text, e.page ?? 1, "whitespace"))
      .filter((r): r is Range => r !== null);
    if (ranges.length === 0) {
      mode = "alnum";
      ranges = evidence
        .map((e) => locateEvidence(f.alnum, e.text, e.page ?? 1, "alnum"))
        .filter((r): r is Range => r !== null);
    }
    if (ranges.length === 0) {
      unlocated++;
      continue;
    }
    const pages = new Set<number>();
    for (const e of evidence)
      if (e.page !== null) for (let p = e.page; p <= (e.page_end ?? e.page); p++) pages.add(p);
    located.push({ q, doc, folded: mode === "whitespace" ? f.whitespace : f.alnum, evidence: ranges, pages });
  }
  return { located, unlocated };
}

export type RetrievalMode = "hybrid" | "vector" | "text";
export type ScopeMode = "scoped" | "open";

/** Everything one evaluation run produced. */
export interface EvalReport {
  name: string;
  date: string;
  dataset: string;
  documents: number;
  index: IndexSettings & { reused_documents: number; retrieval: HybridRetriever["options"] };
  questions: { answerable: number; located: number; unlocated_evidence: number };
  retrieval: Partial<
    Record<ScopeMode, Partial<Record<RetrievalMode, RetrievalMetrics & { p50_ms: number; p95_ms: number }>>>
  >;
  answers?: {
    model: string;
    sample_answerable: number;
    sample_unanswerable: number;
    verified_citation_on_evidence_page: number;
    wrongly_declined_answerable: number;
    correctly_declined_unanswerable: number;
    mean_seconds: number;
    /** Questions whose answer failed (time limit, cut-off output): counted as wrong, listed in details. */
    errors: number;
    /** Answers the chat model could not finish writing (shown as the evidence verbatim instead). */
    unfinished_writing: number;
    /** The same rates at higher SUPPORT_THRESHOLDs (exact when the run's own threshold is 0). */
    threshold_curve: ThresholdPoint[];
    /** Per question, for calibrating SUPPORT_THRESHOLD: support is null when nothing verified remained. */
    details: {
      id: string;
      answerable: boolean;
      abstained: boolean;
      support: number | null;
      on_evidence_page: boolean;
      error?: string;
      /** What was asked and answered, for reading the failures. */
      question?: string;
      answer?: string;
      abstain_reason?: AskResponse["abstain_reason"];
      cited?: { page: number; quote: string }[];
      evidence_pages?: number[];
      dropped?: number;
      draft?: DraftTrace;
      signals?: SupportSignals;
    }[];
  };
  seconds: number;
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : 0;
};

/** The parts of an answer worth reading when it went wrong. */
function answerTrace(question: string, answer: AskResponse) {
  return {
    question,
    answer: answer.answer,
    abstain_reason: answer.abstain_reason,
    cited: answer.citations.map((c) => ({ page: c.page, quote: c.quote })),
    dropped: answer.dropped_sentences,
  };
}

/** Options of one evaluation run. */
export interface EvalOptions {
  name: string;
  dataset: Dataset;
  docs: readonly string[];
  scopes: readonly ScopeMode[];
  modes: readonly RetrievalMode[];
  /** Passages retrieved per question (≥ 10). */
  depth: number;
  answerSample: number;
  unanswerableSample: number;
  seed: number;
  progress: Progress;
}

export async function runEval(
  options: EvalOptions,
  parts: {
    documents: DocumentRepository;
    ids: Map<string, string>;
    retriever: HybridRetriever;
    answerer: Answerer | null;
    index: EvalReport["index"];
  },
): Promise<EvalReport> {
  const started = performance.now();
  const { dataset, docs, progress } = options;
  const inScope = new Set(docs);
  const answerable = dataset.questions.filter((q) => inScope.has(q.doc_scope[0]!));
  const folded = await foldedDocuments(parts.documents, parts.ids);
  const { located, unlocated } = locateAll(answerable, folded);
  const report: EvalReport = {
    name: options.name,
    date: new Date().toISOString(),
    dataset: dataset.dir,
    documents: docs.length,
    index: parts.index,
    questions: { answerable: answerable.length, located: located.length, unlocated_evidence: unlocated },
    retrieval: {},
    seconds: 0,
  };

  for (const scope of options.scopes) {
    report.retrieval[scope] = {};
    for (const mode of options.modes) {
      const scores: QuestionScore[] = [];
      const ms: number[] = [];
      let chars = 0;
      let passages = 0;
      const label = `retrieval ${scope} ${mode}`;
      progress(label, 0, located.length);
      for (const [i, l] of located.entries()) {
        const t = performance.now();
        const ranked: RetrievedPassage[] = await parts.retriever.retrieve({
          query: l.q.question,
          topK: options.depth,
          scope: LOCAL_SCOPE,
          filters: scope === "scoped" ? { document_ids: [parts.ids.get(l.doc)!] } : undefined,
          mode,
        });
        ms.push(performance.now() - t);
        const own = ranked.map((p) => (p.document_id === parts.ids.get(l.doc) ? p : { ...p, spans: [] }));
        scores.push(scoreRanking(l.folded, l.evidence, l.pages, own));
        chars += ranked.reduce((s, p) => s + p.text.length, 0);
        passages += ranked.length;
        if (i % 20 === 0 || i === located.length - 1) progress(label, i + 1, located.length);
      }
      report.retrieval[scope]![mode] = {
        ...aggregate(scores, passages ? chars / passages : 0),
        p50_ms: percentile(ms, 50),
        p95_ms: percentile(ms, 95),
      };
    }
  }

  if (parts.answerer && (options.answerSample > 0 || options.unanswerableSample > 0)) {
    const a = seededShuffle(located, options.seed).slice(0, options.answerSample);
    const u = seededShuffle(
      dataset.unanswerable.filter((q) => inScope.has(q.doc_scope[0]!)),
      options.seed,
    ).slice(0, options.unanswerableSample);
    let onEvidence = 0;
    let wronglyDeclined = 0;
    let correctlyDeclined = 0;
    let seconds = 0;
    const details: NonNullable<EvalReport["answers"]>["details"] = [];
    const total = a.length + u.length;
    let done = 0;
    progress("answers", 0, total);
    let errors = 0;
    let draft: DraftTrace | undefined;
    let signals: SupportSignals | undefined;
    const ask = async (question: string, doc: string) => {
      draft = undefined;
      signals = undefined;
      try {
        return await parts.answerer!.answer(
          { question, topK: 5, scope: LOCAL_SCOPE, filters: { document_ids: [parts.ids.get(doc)!] } },
          { onDraft: (d) => (draft = d), onSupport: (x) => (signals = x) },
        );
      } catch (error) {
        errors++;
        return (error as Error).message;
      }
    };
    for (const l of a) {
      const t = performance.now();
      const answer = await ask(l.q.question, l.doc);
      seconds += (performance.now() - t) / 1000;
      if (typeof answer === "string") {
        details.push({
          id: l.q.id,
          answerable: true,
          abstained: false,
          support: null,
          on_evidence_page: false,
          error: answer,
        });
        progress("answers", ++done, total);
        continue;
      }
      const onPage = !answer.abstained && answer.citations.some((c) => l.pages.has(c.page));
      if (answer.abstained) wronglyDeclined++;
      else if (onPage) onEvidence++;
      details.push({
        id: l.q.id,
        answerable: true,
        abstained: answer.abstained,
        support: answer.support,
        on_evidence_page: onPage,
        ...answerTrace(l.q.question, answer),
        draft,
        signals,
        evidence_pages: [...l.pages],
      });
      progress("answers", ++done, total);
    }
    for (const q of u) {
      const t = performance.now();
      const answer = await ask(q.question, q.doc_scope[0]!);
      seconds += (performance.now() - t) / 1000;
      if (typeof answer === "string") {
        details.push({
          id: q.id,
          answerable: false,
          abstained: false,
          support: null,
          on_evidence_page: false,
          error: answer,
        });
        progress("answers", ++done, total);
        continue;
      }
      if (answer.abstained) correctlyDeclined++;
      details.push({
        id: q.id,
        answerable: false,
        abstained: answer.abstained,
        support: answer.support,
        on_evidence_page: false,
        ...answerTrace(q.question, answer),
        draft,
        signals,
      });
      progress("answers", ++done, total);
    }
    report.answers = {
      model: parts.answerer.modelId,
      sample_answerable: a.length,
      sample_unanswerable: u.length,
      verified_citation_on_evidence_page: a.length ? onEvidence / a.length : 0,
      wrongly_declined_answerable: a.length ? wronglyDeclined / a.length : 0,
      correctly_declined_unanswerable: u.length ? correctlyDeclined / u.length : 0,
      mean_seconds: total ? seconds / total : 0,
      errors,
      unfinished_writing: details.filter((d) => d.draft?.unfinished).length,
      threshold_curve: thresholdCurve(details, CURVE_THRESHOLDS),
      details,
    };
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/** The report as a Markdown table. */
export function reportMarkdown(r: EvalReport): string {
  const f = (x: number) => x.toFixed(3);
  const lines = [
    `# Evaluation ${r.name} (${r.date})`,
    "",
    `${r.documents} documents, ${r.questions.located} answerable questions scored (${r.questions.unlocated_evidence} with evidence that could not be located in the extracted text).`,
    "",
    "| scope | retriever | R@1 | R@5 | R@10 | MRR@10 | R≤2000 ch | R≤4000 ch | top-page acc | mean chars | p50 ms | p95 ms |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const [scope, byMode] of Object.entries(r.retrieval)) {
    for (const [mode, m] of Object.entries(byMode ?? {})) {
      lines.push(
        `| ${scope} | ${mode} | ${f(m.recall_at_1)} | ${f(m.recall_at_5)} | ${f(m.recall_at_10)} | ${f(m.mrr_at_10)} | ${f(m.recall_within_2000_chars)} | ${f(m.recall_within_4000_chars)} | ${f(m.top_passage_page_accuracy)} | ${m.mean_passage_chars.toFixed(0)} | ${m.p50_ms.toFixed(0)} | ${m.p95_ms.toFixed(0)} |`,
      );
    }
  }
  if (r.answers) {
    const a = r.answers;
    lines.push(
      "",
      `Answers (${a.model}; ${a.sample_answerable} answerable + ${a.sample_unanswerable} unanswerable, ${a.mean_seconds.toFixed(1)} s each; ${a.errors} errors; ${a.unfinished_writing} answers the model could not finish, shown verbatim):`,
      "",
      "| verified citation on an evidence page | answerable wrongly declined | unanswerable correctly declined |",
      "|---|---|---|",
      `| ${f(a.verified_citation_on_evidence_page)} | ${f(a.wrongly_declined_answerable)} | ${f(a.correctly_declined_unanswerable)} |`,
      "",
      "At other SUPPORT_THRESHOLDs (from this run's support scores):",
      "",
      "| threshold | on an evidence page | wrongly declined | correctly declined |",
      "|---|---|---|---|",
      ...a.threshold_curve.map(
        (p) =>
          `| ${p.threshold.toFixed(2)} | ${f(p.verified_citation_on_evidence_page)} | ${f(p.wrongly_declined_answerable)} | ${f(p.correctly_declined_unanswerable)} |`,
      ),
    );
  }
  return `${lines.join("\n")}\n`;
}
