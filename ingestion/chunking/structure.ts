// Reading a document's structure from its text: headings, numbered clauses, and the lines that
// repeat on every page (running headers and footers) which belong to no passage.

/** A heading found at the start of a line. */
export interface Heading {
  /** Nesting depth: 1 for "12" or "ARTICLE IV", 2 for "12.3", the number of # in Markdown. */
  level: number;
  /** Numbered clauses and articles are the body of a contract; what comes before them is its preamble. */
  kind: "numbered" | "article" | "markdown" | "caps" | "outline";
  /** The heading as shown in a section path, e.g. "12.3 Termination for Convenience". */
  label: string;
}

const NUMBERED = /^\s*(?:(?:section|clause)\s+)?(\d{1,3}(?:\.\d{1,3}){0,4})(\.?)\s+(\S.*)$/i;
const ARTICLE =
  /^\s*(article|section|schedule|exhibit|annex|appendix|part)\s+([0-9]{1,3}|[IVXLC]{1,7}|[A-Z])\b[.:\s-]*(.*)$/i;
const MARKDOWN = /^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$/;
const CAPS = /^\s*[A-Z][A-Z0-9 ,;&'’()\-/]{3,78}[A-Z)]\s*$/;

/** First words of a clause's text, as a label: up to the first period, at most 80 characters. */
function shortLabel(text: string): string {
  const firstSentence = text.split(/(?<=[a-z)])\.\s|:\s/)[0] ?? text;
  const label = firstSentence.length > 80 ? `${firstSentence.slice(0, 77).trimEnd()}…` : firstSentence;
  return label.trim().replace(/[.:]$/, "");
}

/**
 * The heading a line starts with, if any. Numbered clauses count ("12.3 Termination for Convenience.
 * Either party may…" starts clause 12.3), so do ARTICLE/SECTION/EXHIBIT lines, Markdown headings and
 * short all-capital lines. Numbers that are amounts or years ("2024 revenue", "10 days") do not.
 */
export function detectHeading(line: string, markdown: boolean): Heading | null {
  if (markdown) {
    const md = MARKDOWN.exec(line);
    if (md) return { level: md[1]!.length, label: md[2]!.trim(), kind: "markdown" };
  }
  const num = NUMBERED.exec(line);
  if (num) {
    const [, number, dot, rest] = num as unknown as [string, string, string, string];
    const parts = number.split(".");
    const first = Number(parts[0]);
    const startsLikeHeading = /^[A-Z("“]/.test(rest);
    // "1 " without a dot and a lower-case word is a sentence that starts with a number, not a clause.
    if (
      startsLikeHeading &&
      first > 0 &&
      first < 200 &&
      (dot === "." || parts.length > 1 || rest.length < 60)
    ) {
      return { level: parts.length, label: `${number} ${shortLabel(rest)}`, kind: "numbered" };
    }
  }
  const art = ARTICLE.exec(line);
  if (art && (art[3]!.length === 0 || /^[A-Z("“]/.test(art[3]!)) && line.trim().length <= 120) {
    const label = `${art[1]![0]!.toUpperCase()}${art[1]!.slice(1).toLowerCase()} ${art[2]}${art[3] ? ` ${shortLabel(art[3]!)}` : ""}`;
    return { level: 1, label, kind: "article" };
  }
  if (CAPS.test(line) && /[A-Z]{3,}/.test(line) && line.trim().split(/\s+/).length <= 10) {
    return { level: 1, label: line.trim(), kind: "caps" };
  }
  return null;
}

/** A heading the file itself names (a PDF bookmark, e.g. a Word "Heading 1" laid out by LibreOffice), in reading order. */
export interface OutlineEntry {
  title: string;
  /** 1 for a top-level entry. */
  level: number;
}

/** How many entries ahead a line may match: an entry whose line is not found (in a table, split over two lines) is skipped. */
const OUTLINE_LOOKAHEAD = 8;

const outlineKey = (s: string) => s.replace(/\s+/g, " ").trim().toLowerCase();

/**
 * Walks a document's lines in order against its outline: `match(line)` is the heading the line is,
 * when it reads as the next outline entry (or one of the few after it, if some were not found).
 * The entry's level decides the nesting; a numbered clause keeps its own label ("8.2 Termination").
 */
export function outlineMatcher(outline: readonly OutlineEntry[]): (line: string) => Heading | null {
  const keys = outline.map((e) => outlineKey(e.title));
  let next = 0;
  return (line) => {
    const key = outlineKey(line);
    if (key.length === 0) return null;
    for (let i = next; i < Math.min(keys.length, next + OUTLINE_LOOKAHEAD); i++) {
      if (keys[i] !== key) continue;
      next = i + 1;
      const detected = detectHeading(line, false);
      return {
        level: outline[i]!.level,
        label: detected?.label ?? shortLabel(line.trim()),
        kind: detected?.kind ?? "outline",
      };
    }
    return null;
  };
}

/** Form of a line used to recognise it on other pages: digits and spacing do not matter. */
function boilerplateKey(line: string): string {
  return line.replace(/\d+/g, "#").replace(/\s+/g, " ").trim().toLowerCase();
}

/** A line that is only a page number ("3", "- 3 -", "Page 3 of 10"). */
export function isPageNumberLine(line: string): boolean {
  return /^\s*(?:page\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?\s*(?:of\s*\d{1,4})?\s*$/i.test(line);
}

/**
 * Running headers and footers: lines among the first or last three of a page whose form repeats on
 * at least 60% of the pages (and on three or more). Returned as keys for isBoilerplate.
 */
export function findBoilerplate(pages: readonly string[]): Set<string> {
  const counts = new Map<string, number>();
  for (const text of pages) {
    const lines = text.split("\n").filter((l) => l.trim().length > 0);
    const edge = new Set([...lines.slice(0, 3), ...lines.slice(-3)].map(boilerplateKey));
    for (const key of edge) if (key.length > 0) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const needed = Math.max(3, Math.ceil(pages.length * 0.6));
  return new Set([...counts].filter(([, n]) => n >= needed).map(([key]) => key));
}

/** A rule drawn with characters: "-----", "_____", "=====", "* * *" (underlines of the line above). */
const RULE = /^[\s\-_=~*.·•–—]*$/;
/** A run of three or more rule characters at either end of a line ("---- 5.1 Warranty. ----"). */
const RULE_EDGE = /^[-_=~–—]{3,}\s*|\s*[-_=~–—]{3,}$/g;

/** Whether a line is only a drawn rule (and not an empty line or a lone dash). */
export function isRuleLine(line: string): boolean {
  return RULE.test(line) && line.replace(/\s/g, "").length >= 3;
}

/** The part of a line between rule characters at its ends, as offsets in the line. */
export function trimRules(line: string): { start: number; end: number } {
  let start = 0;
  let end = line.length;
  for (const m of line.matchAll(RULE_EDGE)) {
    if (m.index === 0) start = m[0].length;
    else end = Math.min(end, m.index);
  }
  return start < end ? { start, end } : { start: 0, end: 0 };
}

/** A line that is only a number of one to three digits: a page or line number, or a table cell. */
const BARE_NUMBER = /^\s*\d{1,3}\s*$/;

/**
 * Indexes of lines that are running line numbers: two or more bare numbers in a row that count up by
 * one ("10", "11"). A single bare number inside a page is kept (it may be a table cell).
 */
export function lineNumberRuns(lines: readonly string[]): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < lines.length; i++) {
    let j = i;
    while (j + 1 < lines.length && BARE_NUMBER.test(lines[j]!) && BARE_NUMBER.test(lines[j + 1]!)) {
      if (Number(lines[j + 1]) !== Number(lines[j]) + 1) break;
      j++;
    }
    if (j > i) for (let k = i; k <= j; k++) out.add(k);
    i = j;
  }
  return out;
}

/** Whether a line is a running header/footer or a bare page number. */
export function isBoilerplate(line: string, boilerplate: ReadonlySet<string>): boolean {
  return isPageNumberLine(line) || boilerplate.has(boilerplateKey(line));
}
