// Scoring contract review on CUAD-style datasets: per category and overall clause recall (a found
// quote overlapping a gold clause by ≥ 50 % of its characters), precision, absent accuracy, exact
// typed values, beside two baselines that use no model (top-1 passage, top-1 chosen sentence).
import type { CellValue, ReviewCell, ReviewTemplate, TemplateField } from "../../../schemas/review.js";
import { LOCAL_SCOPE } from "../../access/scope.js";
import { chooseEvidence } from "../../answer/evidence.js";
import { numberPassages } from "../../answer/passages.js";
import { normalizeForMatch } from "../../answer/verify.js";
import type { HybridRetriever } from "../../retrieval/hybrid.js";
import { valueText } from "../../review/export.js";
import { type CellExtractor, fieldQuery, readTyped } from "../../review/extractor.js";
import { reducedDate } from "../../review/values.js";
import type { Dataset } from "./dataset.js";
import type { Progress } from "./runner.js";

/** Least share of a quote's characters that must stand in a gold clause. */
export const MIN_OVERLAP = 0.5;
/** Fields whose normalised value is scored exactly against the annotated answer. */
export const VALUE_FIELDS = [
  "Governing Law",
  "Agreement Date",
  "Expiration Date",
  "Renewal Term",
  "Notice Period To Terminate Renewal",
];

// Typography folded as verification folds it: the dataset's clauses have straight quotes where pages have curly ones.
const fold = (s: string) => normalizeForMatch(s).text.toLowerCase();

/** Length of the longest common substring of a and b. */
function longestCommon(a: string, b: string): number {
  let best = 0;
  let prev = new Uint16Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const row = new Uint16Array(b.length + 1);
    for (let j = 1; j <= b.length; j++) {
      if (a[i - 1] === b[j - 1]) {
        row[j] = prev[j - 1]! + 1;
        if (row[j]! > best) best = row[j]!;
      }
    }
    prev = row;
  }
  return best;
}

/** Share (0…1) of the quote's characters that stand, as one run, in the best-matching gold clause. */
export function overlapShare(quote: string, gold: readonly string[]): number {
  const q = fold(quote);
  if (!q) return 0;
  return Math.max(
    0,
    ...gold.map((g) => (fold(g).includes(q) ? q.length : longestCommon(q, fold(g))) / q.length),
  );
}

/** One scored cell: what was predicted, what the gold says. */
export interface ScoredCell {
  doc: string;
  category: string;
  present: boolean;
  /** The cell has verified quotes (whatever its support). */
  quoted: boolean;
  /** Support of the quotes (null: not judged). */
  support: number | null;
  /** The quote states no value of the field's type (such a cell is never more than uncertain). */
  typedMissing: boolean;
  /** A quote overlaps a gold clause of the category. */
  hit: boolean;
  /** Value check for VALUE_FIELDS: true/false, or null when not scored. */
  valueRight: boolean | null;
  /** The cell's quotes and note, for reading the failures in the JSON report. */
  quotes: string[];
  note: string;
}

/** Support thresholds: at least `found` is found, below `uncertain` is not found. */
export interface Thresholds {
  found: number;
  uncertain: number;
}

/** The status a cell gets at these thresholds (as CellExtractor decides it). */
export function statusAt(c: ScoredCell, t: Thresholds): "found" | "uncertain" | "not_found" {
  if (!c.quoted) return "not_found";
  const s = c.support ?? 1;
  if (s < t.uncertain) return "not_found";
  return c.typedMissing || s < t.found ? "uncertain" : "found";
}

/** Counts per category and overall. */
export interface ReviewScores {
  recall: number;
  precision: number;
  absent_accuracy: number;
  present: number;
  absent: number;
  found: number;
}

const ratio = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 1000) / 1000);

/** Recall, precision and absent accuracy over some scored cells, at these thresholds. */
export function scoresOf(cells: readonly ScoredCell[], t: Thresholds): ReviewScores {
  const present = cells.filter((c) => c.present);
  const absent = cells.filter((c) => !c.present);
  const found = cells.filter((c) => statusAt(c, t) === "found");
  return {
    recall: ratio(present.filter((c) => statusAt(c, t) === "found" && c.hit).length, present.length),
    precision: ratio(found.filter((c) => c.hit).length, found.length),
    absent_accuracy: ratio(absent.filter((c) => statusAt(c, t) === "not_found").length, absent.length),
    present: present.length,
    absent: absent.length,
    found: found.length,
  };
}

/** Gold of one document: the annotated clauses of each present category, and its answer. */
export interface Gold {
  clauses: Map<string, string[]>;
  answers: Map<string, string>;
}

export function goldOf(dataset: Dataset, doc: string): Gold {
  const mine = dataset.questions.filter((q) => q.doc_scope[0] === doc);
  return {
    clauses: new Map(mine.map((q) => [q.category, q.evidence.map((e) => e.text)])),
    answers: new Map(mine.filter((q) => q.answer).map((q) => [q.category, q.answer!])),
  };
}

/**
 * Whether a normalised value is the annotated answer: typed values equal the answer read the same
 * way; a governing law names the place the answer names ("Ontario" for "Ontario, Canada").
 */
export function valueMatches(field: TemplateField, value: CellValue, answer: string): boolean {
  if (value.kind === "text") {
    const [a, b] = [fold(value.text), fold(answer)];
    return a.length > 0 && (b.includes(a) || a.includes(b));
  }
  const expected = readTyped(field, answer)?.value ?? blankAnswer(answer);
  return !!expected && valueText(value) === valueText(expected);
}

/** A date CUAD's lawyers wrote with blanks ("[]/[]/2015", "04/[]/2003") as the part it states. */
function blankAnswer(answer: string): CellValue | null {
  const m = /^\s*(\d{1,2}|\[\])\/\[\]\/(\d{4})\s*$/.exec(answer);
  if (!m) return null;
  return reducedDate(Number(m[2]), m[1] === "[]" ? undefined : Number(m[1]));
}

/** Score a cell (made with thresholds 0, so its support decides later) against the gold of its category. */
export function scoreCell(doc: string, field: TemplateField, cell: ReviewCell, gold: Gold): ScoredCell {
  const clauses = gold.clauses.get(field.name);
  const hit = !!clauses && cell.citations.some((c) => overlapShare(c.quote, clauses) >= MIN_OVERLAP);
  const answer = gold.answers.get(field.name);
  let valueRight: boolean | null = null;
  if (VALUE_FIELDS.includes(field.name) && answer) {
    valueRight = !!cell.value && valueMatches(field, cell.value, answer);
  }
  return {
    doc,
    category: field.name,
    present: !!clauses,
    quoted: cell.citations.length > 0,
    support: cell.support,
    typedMissing: cell.citations.length > 0 && field.type !== "clause" && cell.value === null,
    hit,
    valueRight,
    quotes: cell.citations.map((c) => c.quote),
    note: cell.note,
  };
}

/** The baselines' cells: top-1 passage, and top-1 chosen sentence, always reported found. */
async function baselineCells(retriever: HybridRetriever, documentId: string, field: TemplateField) {
  const query = fieldQuery(field);
  const retrieved = await retriever.retrieve({
    query,
    topK: 6,
    scope: LOCAL_SCOPE,
    filters: { document_ids: [documentId] },
    narrowByTitle: false,
  });
  const chosen = chooseEvidence(query, numberPassages(retrieved), 1)[0];
  const as = (quote: string | undefined): ReviewCell => ({
    document_id: documentId,
    field: field.name,
    status: quote ? "found" : "not_found",
    value: null,
    citations: quote
      ? [
          {
            n: 1,
            chunk_id: "",
            document_id: documentId,
            title: "",
            section: "",
            page: 0,
            quote,
            char_start: 0,
            char_end: 0,
            verified: true,
          },
        ]
      : [],
    support: null,
    searched: { query, passages: [], candidates: 0 },
    note: "baseline",
  });
  return { passage: as(retrieved[0]?.text), sentence: as(chosen?.quote) };
}

/** What one review evaluation run measured. */
export interface ReviewEvalReport {
  template: string;
  docs: string[];
  /** The thresholds the overall scores are reported at. */
  thresholds: Thresholds;
  overall: ReviewScores;
  per_category: Record<string, ReviewScores>;
  values: Record<string, { right: number; scored: number }>;
  baseline_top1_passage: ReviewScores;
  baseline_top1_sentence: ReviewScores;
  /** Overall scores at other `found` thresholds (for tuning on the tuning sample only). */
  sweep: (ReviewScores & { at: Thresholds })[];
  seconds_per_contract: number[];
  cells: ScoredCell[];
}

/** `found` thresholds tried in the sweep. */
const SWEEP = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** Review every document with the template (an extractor with thresholds 0) and score it at `t`. */
export async function evalReview(
  deps: { extractor: CellExtractor; retriever: HybridRetriever; ids: Map<string, string> },
  dataset: Dataset,
  docs: readonly string[],
  template: ReviewTemplate,
  t: Thresholds,
  progress: Progress,
): Promise<ReviewEvalReport> {
  const ours: ScoredCell[] = [];
  const passage: ScoredCell[] = [];
  const sentence: ScoredCell[] = [];
  const seconds: number[] = [];
  for (const [i, doc] of docs.entries()) {
    const id = deps.ids.get(doc)!;
    const gold = goldOf(dataset, doc);
    const began = performance.now();
    for (const [j, field] of template.fields.entries()) {
      ours.push(scoreCell(doc, field, await deps.extractor.cell(id, field, LOCAL_SCOPE), gold));
      progress(`reviewing ${i + 1}/${docs.length}`, j + 1, template.fields.length);
    }
    seconds.push(Math.round((performance.now() - began) / 100) / 10);
    for (const field of template.fields) {
      const base = await baselineCells(deps.retriever, id, field);
      passage.push(scoreCell(doc, field, base.passage, gold));
      sentence.push(scoreCell(doc, field, base.sentence, gold));
    }
  }
  return { ...reportOf(template, docs, t, ours, passage, sentence), seconds_per_contract: seconds };
}

function reportOf(
  template: ReviewTemplate,
  docs: readonly string[],
  t: Thresholds,
  ours: ScoredCell[],
  passage: ScoredCell[],
  sentence: ScoredCell[],
): Omit<ReviewEvalReport, "seconds_per_contract"> {
  const values = Object.fromEntries(
    VALUE_FIELDS.map((name) => {
      const scored = ours.filter((c) => c.category === name && c.valueRight !== null);
      return [name, { right: scored.filter((c) => c.valueRight).length, scored: scored.length }];
    }),
  );
  return {
    template: template.name,
    docs: [...docs],
    thresholds: t,
    overall: scoresOf(ours, t),
    per_category: Object.fromEntries(
      template.fields.map((f) => [
        f.name,
        scoresOf(
          ours.filter((s) => s.category === f.name),
          t,
        ),
      ]),
    ),
    values,
    baseline_top1_passage: scoresOf(passage, t),
    baseline_top1_sentence: scoresOf(sentence, t),
    sweep: SWEEP.map((found) => {
      const at = { found, uncertain: Math.min(t.uncertain, found) };
      return { ...scoresOf(ours, at), at };
    }),
    cells: ours,
  };
}

/** The report as Markdown: overall beside the baselines, values, then per category. */
export function reviewReportMarkdown(r: ReviewEvalReport): string {
  const row = (name: string, s: ReviewScores) =>
    `| ${name} | ${s.recall.toFixed(3)} | ${s.precision.toFixed(3)} | ${s.absent_accuracy.toFixed(3)} | ${s.present} | ${s.absent} | ${s.found} |`;
  const head =
    "| | recall | precision | absent accuracy | present | absent | found |\n|---|---|---|---|---|---|---|";
  return [
    `# Review evaluation: template ${r.template}, ${r.docs.length} contracts`,
    "",
    head,
    row("Cited review", r.overall),
    row("baseline: top-1 passage, no model", r.baseline_top1_passage),
    row("baseline: top-1 chosen sentence, no model", r.baseline_top1_sentence),
    "",
    "| value field | right / scored |\n|---|---|",
    ...Object.entries(r.values).map(([f, v]) => `| ${f} | ${v.right} / ${v.scored} |`),
    "",
    `Thresholds: found ≥ ${r.thresholds.found}, not found < ${r.thresholds.uncertain}. Sweep of the found threshold:`,
    "",
    head,
    ...r.sweep.map((s) => row(`found ≥ ${s.at.found}, not found < ${s.at.uncertain}`, s)),
    "",
    `Seconds per contract: ${r.seconds_per_contract.join(", ")}`,
    "",
    head,
    ...Object.entries(r.per_category).map(([c, s]) => row(c, s)),
    "",
  ].join("\n");
}
