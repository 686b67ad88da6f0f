// `cited eval`: build (or reuse) a store of a dataset's documents, then measure retrieval (hybrid and
// the full-text-only and vector-only baselines, scoped and open) and, on a sample, answers.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { chunkingFor, ingestDocument, readyPatch } from "../../../ingestion/pipeline.js";
import type { AskResponse } from "../../../schemas/api.js";
import { LOCAL_SCOPE } from "../../access/scope.js";
import type { Answerer, DraftTrace, SupportSignals } from "../../answer/answerer.js";
import { percentile } from "../../lib/stats.js";
import type { Embedder } from "../../models/embedder.js";
import type { HybridRetriever, RetrievedPassage } from "../../retrieval/hybrid.js";
import { DocumentRepository, localDocumentRow } from "../../store/documents.js";
import { openStore, type Store, storeIn } from "../../store/index.js";
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

/** The evaluation store of these documents for these settings (`--store` wins). Keyed by the document
 * set too: BM25 weighs words across the whole store, so a run's scores depend on what else it holds. */
export function evalStoreDir(
  settings: IndexSettings,
  datasetDir: string,
  docs: readonly string[],
  root: string,
  store?: string,
): string {
  const key = createHash("sha256")
    .update(JSON.stringify({ settings, dataset: datasetDir, docs: [...docs].sort() }))
    .digest("hex")
    .slice(0, 12);
  return resolve(store ?? join(root, `${basename(datasetDir)}-${key}`));
}

/** A document id for a dataset file: stable across runs. */
const evalDocumentId = (doc: string) => `eval_${createHash("sha256").update(doc).digest("hex").slice(0, 16)}`;

/** What a store already holds: the settings it was built with, and each indexed file's hash. */
interface EvalManifest {
  settings: IndexSettings;
  indexed: Record<string, string>;
}

/** The files already indexed in the store with these settings (a store built with others is refused). */
function readManifest(
  manifestPath: string,
  storeDir: string,
  settings: IndexSettings,
): Record<string, string> {
  const manifest = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, "utf8")) as EvalManifest)
    : null;
  const sameSettings = manifest && JSON.stringify(manifest.settings) === JSON.stringify(settings);
  const indexed: Record<string, string> = sameSettings ? manifest.indexed : {};
  if (!sameSettings && manifest)
    throw new Error(`${storeDir} was built with other settings; remove it or pick another --store`);
  return indexed;
}

/** Index one dataset file under its id, replacing what was stored for it, and mark it ready; its hash. */
async function indexEvalFile(
  documents: DocumentRepository,
  embedder: Embedder,
  settings: IndexSettings,
  file: { id: string; name: string; path: string },
): Promise<string> {
  const sha256 = createHash("sha256").update(readFileSync(file.path)).digest("hex");
  const row = localDocumentRow({ ...file, sha256, tags: ["eval"] });
  await documents.delete(file.id);
  await documents.insert([row]);
  const result = await ingestDocument(row, {
    documents,
    embedder,
    limits: { maxBytes: 512 * 1024 * 1024, maxPages: 10_000, maxExpandedBytes: 512 * 1024 * 1024 },
    chunking: chunkingFor(settings.chunkTokens),
  });
  await documents.update(file.id, readyPatch(result));
  return sha256;
}

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
  const indexed = readManifest(manifestPath, storeDir, settings);
  const store = await openStore(storeIn(storeDir), embedder.dimensions);
  const documents = new DocumentRepository(store);
  const ids = new Map(docs.map((d) => [d, evalDocumentId(d)]));
  const todo = docs.filter((d) => !indexed[d]);
  let done = 0;
  progress("indexing documents", 0, todo.length);
  const queue = [...todo];
  const worker = async () => {
    for (let doc = queue.shift(); doc !== undefined; doc = queue.shift()) {
      const file = { id: ids.get(doc)!, name: doc, path: dataset.files.get(doc)! };
      indexed[doc] = await indexEvalFile(documents, embedder, settings, file);
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

/** What a run measures with: the store's documents, their ids, the retriever and (for answers) the answerer. */
export interface EvalParts {
  documents: DocumentRepository;
  ids: Map<string, string>;
  retriever: HybridRetriever;
  answerer: Answerer | null;
  index: EvalReport["index"];
}

/** Locate each question's evidence, measure retrieval in every scope and mode, then answers on a sample. */
export async function runEval(options: EvalOptions, parts: EvalParts): Promise<EvalReport> {
  const started = performance.now();
  const { dataset, docs } = options;
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
    for (const mode of options.modes)
      report.retrieval[scope]![mode] = await measureRetrieval(options, parts, located, scope, mode);
  }
  if (parts.answerer && (options.answerSample > 0 || options.unanswerableSample > 0))
    report.answers = await measureAnswers(options, parts.answerer, parts.ids, located, inScope);
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/** Retrieval quality and latency of one retriever mode in one scope, over every located question. */
async function measureRetrieval(
  options: EvalOptions,
  parts: EvalParts,
  located: readonly LocatedQuestion[],
  scope: ScopeMode,
  mode: RetrievalMode,
): Promise<RetrievalMetrics & { p50_ms: number; p95_ms: number }> {
  const scores: QuestionScore[] = [];
  const ms: number[] = [];
  let chars = 0;
  let passages = 0;
  const label = `retrieval ${scope} ${mode}`;
  options.progress(label, 0, located.length);
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
    if (i % 20 === 0 || i === located.length - 1) options.progress(label, i + 1, located.length);
  }
  return {
    ...aggregate(scores, passages ? chars / passages : 0),
    p50_ms: percentile(ms, 50),
    p95_ms: percentile(ms, 95),
  };
}

type AnswerDetail = NonNullable<EvalReport["answers"]>["details"][number];

/** One question asked for the evaluation: the answer (or the failure's message) and how it was made. */
interface AskedQuestion {
  answer: AskResponse | string;
  failed: boolean;
  seconds: number;
  draft?: DraftTrace;
  signals?: SupportSignals;
}

/** Ask one question scoped to its document, timed; a failure is kept as its message. */
async function askTimed(
  answerer: Answerer,
  ids: Map<string, string>,
  question: string,
  doc: string,
): Promise<AskedQuestion> {
  let draft: DraftTrace | undefined;
  let signals: SupportSignals | undefined;
  const t = performance.now();
  let answer: AskResponse | string;
  let failed = false;
  try {
    answer = await answerer.answer(
      { question, topK: 5, scope: LOCAL_SCOPE, filters: { document_ids: [ids.get(doc)!] } },
      { onDraft: (d) => (draft = d), onSupport: (x) => (signals = x) },
    );
  } catch (error) {
    failed = true;
    answer = (error as Error).message;
  }
  return { answer, failed, seconds: (performance.now() - t) / 1000, draft, signals };
}

/** The detail of a question whose answer failed: counted as wrong. */
const failedDetail = (id: string, answerable: boolean, error: string): AnswerDetail => ({
  id,
  answerable,
  abstained: false,
  support: null,
  on_evidence_page: false,
  error,
});

/** An answerable question's detail: right when a verified citation is on an evidence page. */
function answerableDetail(l: LocatedQuestion, asked: AskedQuestion): AnswerDetail {
  const { answer } = asked;
  if (typeof answer === "string") return failedDetail(l.q.id, true, answer);
  const onPage = !answer.abstained && answer.citations.some((c) => l.pages.has(c.page));
  return {
    id: l.q.id,
    answerable: true,
    abstained: answer.abstained,
    support: answer.support,
    on_evidence_page: onPage,
    ...answerTrace(l.q.question, answer),
    draft: asked.draft,
    signals: asked.signals,
    evidence_pages: [...l.pages],
  };
}

/** An unanswerable question's detail: right when the answer declines. */
function unanswerableDetail(q: DatasetQuestion, asked: AskedQuestion): AnswerDetail {
  const { answer } = asked;
  if (typeof answer === "string") return failedDetail(q.id, false, answer);
  return {
    id: q.id,
    answerable: false,
    abstained: answer.abstained,
    support: answer.support,
    on_evidence_page: false,
    ...answerTrace(q.question, answer),
    draft: asked.draft,
    signals: asked.signals,
  };
}

/** Answers on a seeded sample of answerable and unanswerable questions, and their rates. */
async function measureAnswers(
  options: EvalOptions,
  answerer: Answerer,
  ids: Map<string, string>,
  located: readonly LocatedQuestion[],
  inScope: ReadonlySet<string>,
): Promise<NonNullable<EvalReport["answers"]>> {
  const a = seededShuffle(located, options.seed).slice(0, options.answerSample);
  const u = seededShuffle(
    options.dataset.unanswerable.filter((q) => inScope.has(q.doc_scope[0]!)),
    options.seed,
  ).slice(0, options.unanswerableSample);
  const details: AnswerDetail[] = [];
  const total = a.length + u.length;
  let seconds = 0;
  let errors = 0;
  options.progress("answers", 0, total);
  const record = (asked: AskedQuestion, detail: AnswerDetail) => {
    seconds += asked.seconds;
    if (asked.failed) errors++;
    details.push(detail);
    options.progress("answers", details.length, total);
  };
  for (const l of a) {
    const asked = await askTimed(answerer, ids, l.q.question, l.doc);
    record(asked, answerableDetail(l, asked));
  }
  for (const q of u) {
    const asked = await askTimed(answerer, ids, q.question, q.doc_scope[0]!);
    record(asked, unanswerableDetail(q, asked));
  }
  return answerRates(answerer.modelId, a.length, u.length, details, { seconds, errors });
}

/** The answer rates of a run from its details. */
function answerRates(
  model: string,
  answerableCount: number,
  unanswerableCount: number,
  details: AnswerDetail[],
  totals: { seconds: number; errors: number },
): NonNullable<EvalReport["answers"]> {
  const count = (test: (d: AnswerDetail) => boolean) => details.filter(test).length;
  const onEvidence = count((d) => d.answerable && d.on_evidence_page);
  const wronglyDeclined = count((d) => d.answerable && d.abstained);
  const correctlyDeclined = count((d) => !d.answerable && d.abstained);
  const rate = (n: number, of: number) => (of ? n / of : 0);
  return {
    model,
    sample_answerable: answerableCount,
    sample_unanswerable: unanswerableCount,
    verified_citation_on_evidence_page: rate(onEvidence, answerableCount),
    wrongly_declined_answerable: rate(wronglyDeclined, answerableCount),
    correctly_declined_unanswerable: rate(correctlyDeclined, unanswerableCount),
    mean_seconds: rate(totals.seconds, answerableCount + unanswerableCount),
    errors: totals.errors,
    unfinished_writing: details.filter((d) => d.draft?.unfinished).length,
    threshold_curve: thresholdCurve(details, CURVE_THRESHOLDS),
    details,
  };
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
