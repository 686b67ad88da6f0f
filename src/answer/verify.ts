// Proving a quote: it must stand, word for word, in the passage the model was given and, through the
// passage's spans, on the stored page text. Only typography is forgiven (spacing, quote marks,
// dashes, a word hyphenated across a line); letters never are, so a look-alike character fails.
import type { ChunkSpan } from "../../schemas/document.js";

/** A text with typography folded away, and where each of its characters came from. */
export interface Normalized {
  text: string;
  /** origin[i] = index in the original text of normalized character i. */
  origin: number[];
}

const QUOTES: Record<string, string> = {
  "\u2018": "'",
  "\u2019": "'",
  "\u201A": "'",
  "\u201B": "'",
  "\u2032": "'",
  "\u201C": '"',
  "\u201D": '"',
  "\u201E": '"',
  "\u201F": '"',
  "\u2033": '"',
  "\u00AB": '"',
  "\u00BB": '"',
};
const DASHES = /[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uFE58\uFE63\uFF0D]/;
const SPACE = /[\s\u00A0\u2000-\u200B\u202F\u205F\u3000]/;

/**
 * Fold typography: runs of white space become one space, curly quotes straight ones, dashes "-",
 * a soft hyphen vanishes, and "termi-\nnation" joins to "termination". Case and letters are kept.
 */
export function normalizeForMatch(input: string): Normalized {
  const out: string[] = [];
  const origin: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch === "\u00AD") continue;
    // Hyphenation across a line break: letter, hyphen, newline, letter → drop hyphen and break.
    if ((ch === "-" || DASHES.test(ch)) && /\p{L}/u.test(input[i - 1] ?? "")) {
      const rest = /^[ \t]*\n[ \t]*(?=\p{Ll})/u.exec(input.slice(i + 1, i + 16));
      if (rest) {
        i += rest[0].length;
        continue;
      }
    }
    if (SPACE.test(ch)) {
      if (out.length > 0 && out[out.length - 1] !== " ") {
        out.push(" ");
        origin.push(i);
      }
      continue;
    }
    out.push(QUOTES[ch] ?? (DASHES.test(ch) ? "-" : ch));
    origin.push(i);
  }
  if (out[out.length - 1] === " ") {
    out.pop();
    origin.pop();
  }
  return { text: out.join(""), origin };
}

/** Shortest quote accepted: a few characters prove nothing ("the", "5"). */
export const MIN_QUOTE_CHARS = 12;

/** Where a verified quote stands. */
export interface QuoteLocation {
  /** Offsets of the quote in the passage text. */
  passageStart: number;
  passageEnd: number;
  /** The page the quote starts on, and its offsets in that page's stored text. */
  page: number;
  charStart: number;
  charEnd: number;
  /** The quote as it stands on the page: page text [charStart, charEnd). */
  exact: string;
}

/** Find `quote` in `text` (typography folded); offsets are in the original `text`. */
export function findQuote(quote: string, text: string): { start: number; end: number } | null {
  const q = normalizeForMatch(quote).text.replace(/^["'\s]+|["'\s.,;:]+$/g, "");
  if (q.length < MIN_QUOTE_CHARS) return null;
  const t = normalizeForMatch(text);
  const at = t.text.indexOf(q);
  if (at < 0) return null;
  return { start: t.origin[at]!, end: t.origin[at + q.length - 1]! + 1 };
}

/**
 * Map passage offsets [start, end) to a page and offsets in that page's text through the passage's
 * spans. A quote that runs over several spans of one page ends where it ends on that page; a quote
 * that crosses a page break is cut at the break (the citation shows the part on its first page).
 */
export function locateInPages(spans: readonly ChunkSpan[], start: number, end: number) {
  const first = [...spans].reverse().find((s) => s.at <= start);
  if (!first || start - first.at >= first.end - first.start) return null;
  const samePage = spans.filter((s) => s.page === first.page && s.at >= first.at && s.at < end);
  const last = samePage.at(-1) ?? first;
  const charStart = first.start + (start - first.at);
  const charEnd = last.start + Math.min(end - last.at, last.end - last.start);
  return { page: first.page, charStart, charEnd, parts: samePage.map((s) => ({ ...s })) };
}

/** A passage as the verifier sees it: its text, its spans, and the stored text of its pages. */
export interface VerifiablePassage {
  text: string;
  spans: readonly ChunkSpan[];
  /** Stored page text by page number (the ground truth a citation must stand on). */
  pageText: (page: number) => string | undefined;
}

/**
 * Verify a quote against one passage: found in the passage, mapped to a page, and the same words
 * found at those offsets in the stored page text. Returns null when any step fails.
 */
export function verifyQuote(quote: string, passage: VerifiablePassage): QuoteLocation | null {
  const found = findQuote(quote, passage.text);
  if (!found) return null;
  const where = locateInPages(passage.spans, found.start, found.end);
  if (!where) return null;
  const page = passage.pageText(where.page);
  if (page === undefined) return null;
  // Every part of the quote on this page must be the very words of the stored page.
  for (const span of where.parts) {
    const from = Math.max(found.start, span.at);
    const to = Math.min(found.end, span.at + (span.end - span.start));
    if (to <= from) continue;
    const onPage = page.slice(span.start + (from - span.at), span.start + (to - span.at));
    if (onPage !== passage.text.slice(from, to)) return null;
  }
  const exact = page.slice(where.charStart, where.charEnd);
  if (exact.trim().length === 0) return null;
  return {
    passageStart: found.start,
    passageEnd: found.end,
    page: where.page,
    charStart: where.charStart,
    charEnd: where.charEnd,
    exact,
  };
}
