// Scoring retrieval against annotated evidence, in page-text coordinates: a passage covers part of an
// evidence clause when their page ranges overlap. Pure functions (unit-tested).
import type { ChunkSpan } from "../../../schemas/document.js";

/** A document's page texts folded for comparison, and where each folded character came from. */
export interface FoldedDocument {
  /** The pages folded and joined by single spaces. */
  text: string;
  /** For each page number, the folded index of each original offset (length = page length + 1). */
  index: Map<number, Int32Array>;
}

/**
 * Fold pages for comparison: `whitespace` collapses runs of white space (the dataset's definition);
 * `alnum` keeps only lower-cased letters and digits (a fallback for clauses whose punctuation was
 * extracted differently).
 */
export function foldDocument(
  pages: readonly { page: number; text: string }[],
  mode: "whitespace" | "alnum",
): FoldedDocument {
  const out: string[] = [];
  const index = new Map<number, Int32Array>();
  for (const { page, text } of pages) {
    if (out.length > 0 && out[out.length - 1] !== " ") out.push(" ");
    const map = new Int32Array(text.length + 1);
    for (let i = 0; i < text.length; i++) {
      map[i] = out.length;
      const ch = text[i]!;
      if (mode === "whitespace") {
        if (/\s/.test(ch)) {
          if (out.length > 0 && out[out.length - 1] !== " ") out.push(" ");
        } else out.push(ch);
      } else if (/[\p{L}\p{N}]/u.test(ch)) out.push(ch.toLowerCase());
    }
    map[text.length] = out.length;
    index.set(page, map);
  }
  return { text: out.join(""), index };
}

export function foldText(text: string, mode: "whitespace" | "alnum"): string {
  return foldDocument([{ page: 1, text }], mode).text.trim();
}

/** A half-open range [start, end) in folded coordinates. */
export type Range = [number, number];

/** Where an evidence clause stands in the folded document; the occurrence nearest its page wins. */
export function locateEvidence(
  doc: FoldedDocument,
  evidence: string,
  page: number,
  mode: "whitespace" | "alnum",
): Range | null {
  const needle = foldText(evidence, mode);
  if (needle.length === 0) return null;
  const pageStart = doc.index.get(page)?.[0] ?? 0;
  let best: Range | null = null;
  for (let at = doc.text.indexOf(needle); at >= 0; at = doc.text.indexOf(needle, at + 1)) {
    if (!best || Math.abs(at - pageStart) < Math.abs(best[0] - pageStart)) best = [at, at + needle.length];
  }
  return best;
}

/** The folded ranges a passage covers, optionally only its first `budget` characters (spans joined by "\n"). */
export function passageRanges(
  doc: FoldedDocument,
  spans: readonly ChunkSpan[],
  budget = Number.POSITIVE_INFINITY,
): Range[] {
  const ranges: Range[] = [];
  let left = budget;
  for (const span of spans) {
    if (left <= 0) break;
    const length = span.end - span.start;
    const take = Math.min(length, left);
    left -= take + 1; // the "\n" that joins spans counts against the budget
    const map = doc.index.get(span.page);
    if (!map) continue;
    const a = map[Math.min(span.start, map.length - 1)]!;
    const b = map[Math.min(span.start + take, map.length - 1)]!;
    if (b > a) ranges.push([a, b]);
  }
  return ranges;
}

/** Share of `target` covered by the union of `ranges`. */
export function coverage(target: Range, ranges: readonly Range[]): number {
  const clipped = ranges
    .map(([a, b]) => [Math.max(a, target[0]), Math.min(b, target[1])] as Range)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let reach = target[0];
  for (const [a, b] of clipped) {
    const from = Math.max(a, reach);
    if (b > from) covered += b - from;
    reach = Math.max(reach, b);
  }
  return covered / Math.max(1, target[1] - target[0]);
}

/** A hit: the ranges cover at least half of one evidence clause. */
export function isHit(evidence: readonly Range[], ranges: readonly Range[], threshold = 0.5): boolean {
  return evidence.some((e) => coverage(e, ranges) >= threshold);
}

/** Retrieval scores of one question over its ranked passages. */
export interface QuestionScore {
  /** Rank (1-based) of the first passage that is a hit on its own, or null. */
  firstHit: number | null;
  /** Whether the first 2,000 and 4,000 characters of the ranking, taken together, cover an evidence clause. */
  budget2000: boolean;
  budget4000: boolean;
  /** Whether the top passage is on an evidence page. */
  topOnEvidencePage: boolean;
}

export function scoreRanking(
  doc: FoldedDocument,
  evidence: readonly Range[],
  evidencePages: ReadonlySet<number>,
  ranked: readonly { spans: readonly ChunkSpan[]; page_start: number; page_end: number; text: string }[],
): QuestionScore {
  let firstHit: number | null = null;
  ranked.forEach((p, i) => {
    if (firstHit === null && isHit(evidence, passageRanges(doc, p.spans))) firstHit = i + 1;
  });
  const within = (budget: number) => {
    const ranges: Range[] = [];
    let left = budget;
    for (const p of ranked) {
      if (left <= 0) break;
      ranges.push(...passageRanges(doc, p.spans, left));
      left -= p.text.length + 1;
    }
    return isHit(evidence, ranges);
  };
  const top = ranked[0];
  let topOnEvidencePage = false;
  if (top)
    for (let pg = top.page_start; pg <= top.page_end; pg++)
      if (evidencePages.has(pg)) topOnEvidencePage = true;
  return { firstHit, budget2000: within(2000), budget4000: within(4000), topOnEvidencePage };
}

/** Aggregate retrieval metrics over questions. */
export interface RetrievalMetrics {
  questions: number;
  recall_at_1: number;
  recall_at_5: number;
  recall_at_10: number;
  mrr_at_10: number;
  recall_within_2000_chars: number;
  recall_within_4000_chars: number;
  top_passage_page_accuracy: number;
  mean_passage_chars: number;
}

export function aggregate(scores: readonly QuestionScore[], meanPassageChars: number): RetrievalMetrics {
  const n = Math.max(1, scores.length);
  const share = (f: (s: QuestionScore) => boolean) => scores.filter(f).length / n;
  return {
    questions: scores.length,
    recall_at_1: share((s) => s.firstHit !== null && s.firstHit <= 1),
    recall_at_5: share((s) => s.firstHit !== null && s.firstHit <= 5),
    recall_at_10: share((s) => s.firstHit !== null && s.firstHit <= 10),
    mrr_at_10:
      scores.reduce((sum, s) => sum + (s.firstHit !== null && s.firstHit <= 10 ? 1 / s.firstHit : 0), 0) / n,
    recall_within_2000_chars: share((s) => s.budget2000),
    recall_within_4000_chars: share((s) => s.budget4000),
    top_passage_page_accuracy: share((s) => s.topOnEvidencePage),
    mean_passage_chars: meanPassageChars,
  };
}

/** One question's outcome at the threshold it was run with (support null: nothing verified to judge). */
export interface AnswerOutcome {
  answerable: boolean;
  abstained: boolean;
  support: number | null;
  on_evidence_page: boolean;
}

/** The three answer rates at one SUPPORT_THRESHOLD. */
export interface ThresholdPoint {
  threshold: number;
  verified_citation_on_evidence_page: number;
  wrongly_declined_answerable: number;
  correctly_declined_unanswerable: number;
}

/**
 * What each threshold would have given, from one run at a threshold no higher than any of them: an
 * answer shown then is declined at a threshold above its support. Lets one run calibrate
 * SUPPORT_THRESHOLD.
 */
export function thresholdCurve(outcomes: readonly AnswerOutcome[], thresholds: readonly number[]) {
  const a = outcomes.filter((o) => o.answerable);
  const u = outcomes.filter((o) => !o.answerable);
  const shown = (o: AnswerOutcome, t: number) => !o.abstained && (o.support === null || o.support >= t);
  const rate = (xs: readonly AnswerOutcome[], hit: (o: AnswerOutcome) => boolean) =>
    xs.length ? xs.filter(hit).length / xs.length : 0;
  return thresholds.map(
    (t): ThresholdPoint => ({
      threshold: t,
      verified_citation_on_evidence_page: rate(a, (o) => shown(o, t) && o.on_evidence_page),
      wrongly_declined_answerable: rate(a, (o) => !shown(o, t)),
      correctly_declined_unanswerable: rate(u, (o) => !shown(o, t)),
    }),
  );
}
