import type { RetrievedPassage } from "../retrieval/hybrid.js";

/** One sentence of a passage, with the id the model cites it by ("S7": the 7th sentence in the prompt). */
export interface PassageSentence {
  id: string;
  /** Offsets in the passage text. */
  start: number;
  end: number;
  text: string;
  /** What a citation of it quotes: the text without the clause heading it starts with. */
  quote: string;
}

/** A retrieved passage as numbered in the prompt. */
export interface NumberedPassage {
  n: number;
  passage: RetrievedPassage;
  sentences: PassageSentence[];
}

/** Longest sentence offered as one citable unit; longer ones are cut at ; or , boundaries. */
const MAX_SENTENCE_CHARS = 400;
/** A piece shorter than this (a heading such as "8. TERMINATION") joins the sentence after it. */
const MIN_SENTENCE_CHARS = 40;

/** Words a title may leave in lower case ("Termination for Convenience"). */
const TITLE_SMALL_WORDS = new Set([
  "a",
  "an",
  "and",
  "as",
  "at",
  "by",
  "for",
  "in",
  "of",
  "on",
  "or",
  "the",
  "to",
  "with",
]);

/** A signature block's date line that states a date: it says when the contract was signed. */
const SIGNED_ON = /\bdate\s*:[^:]{0,24}\d/i;

/** A line that is only a clause number and a title: "8. TERMINATION", "8.1 Termination for Convenience." */
export function isHeadingLine(line: string): boolean {
  if (SIGNED_ON.test(line)) return false;
  const rest = line
    .trim()
    .replace(/^(?:(?:section|article|clause)\s+)?(?:\d{1,3}(?:\.\d{1,3})*|[IVXLC]{1,6})\.?\s*/i, "")
    .replace(/[.:]$/, "");
  const words = rest.split(/\s+/).filter(Boolean);
  if (words.length === 0 || words.length > 8) return false;
  return words.every((w) => /^["“(]?[A-Z0-9]/.test(w) || TITLE_SMALL_WORDS.has(w.toLowerCase()));
}

/**
 * Whether the period before a cut ends an abbreviation, not a sentence: "No. 5", "Mr. Smith", or a
 * company's "Inc." before its defined name ("Harbor Foods Inc. (“Buyer”)") or "Co. Ltd.".
 */
function abbreviationEnds(text: string, end: number, next: number): boolean {
  const before = text.slice(Math.max(0, end - 6), end);
  if (/\b(?:No|Nos|Mr|Ms|Mrs|Dr|vs|e\.g|i\.e)\.$/.test(before)) return true;
  return (
    /\b(?:Inc|INC|Ltd|LTD|Corp|CORP|Co|CO)\.$/.test(before) &&
    /^(?:["“(]|(?:Ltd|LTD|Limited|LIMITED)\b)/.test(text.slice(next, next + 8))
  );
}

/**
 * Split passage text into citable sentences: at . ; ! ? followed by a capital, digit or bracket, and
 * before a clause number or "(a)" that starts a line. Line breaks inside a sentence are kept.
 */
export function splitSentences(text: string): { start: number; end: number; body: number }[] {
  const cuts = new Set<number>([0]);
  // Not after a clause number ("2." in "2. TERMINATION") or a single-letter initial.
  const boundary =
    /(?<=[.!?;:])(?<!(?:^|\s)\(?(?:\d{1,3}(?:\.\d{1,3})*|[A-Za-z])\.)\s+(?=["“(]?[A-Z0-9(])|\n(?=\s*(?:\(?[a-z0-9]{1,3}\)|\d+(?:\.\d+)*\.?\s))/g;
  for (let m = boundary.exec(text); m; m = boundary.exec(text))
    if (!abbreviationEnds(text, m.index, m.index + m[0].length)) cuts.add(m.index + m[0].length);
  const starts = [...cuts].sort((a, b) => a - b);
  const out: { start: number; end: number }[] = [];
  starts.forEach((s, i) => {
    const e = i + 1 < starts.length ? starts[i + 1]! : text.length;
    let start = s;
    const end = e;
    while (start < end && /\s/.test(text[start]!)) start++;
    let stop = end;
    while (stop > start && /\s/.test(text[stop - 1]!)) stop--;
    if (stop <= start) return;
    // Cut very long sentences at ; or , so a quote stays readable.
    while (stop - start > MAX_SENTENCE_CHARS) {
      const window = text.slice(start + 150, start + MAX_SENTENCE_CHARS);
      const rel = Math.max(window.lastIndexOf("; "), window.lastIndexOf(", "));
      const cut = rel >= 0 ? start + 150 + rel + 1 : start + MAX_SENTENCE_CHARS;
      out.push({ start, end: cut });
      start = cut;
      while (start < stop && /\s/.test(text[start]!)) start++;
    }
    if (stop > start) out.push({ start, end: stop });
  });
  // Headings and other scraps are not worth a citation of their own: they join what follows.
  const merged: { start: number; end: number; body: number }[] = [];
  for (const piece of out) {
    const prev = merged.at(-1);
    const heading = prev !== undefined && text.slice(prev.start, prev.end).split("\n").every(isHeadingLine);
    const scrap = prev !== undefined && (heading || prev.end - prev.start < MIN_SENTENCE_CHARS);
    if (prev && scrap && piece.end - prev.start <= MAX_SENTENCE_CHARS) {
      // A quote is the clause's words; the heading stays in the sentence the model reads.
      if (heading) prev.body = piece.start;
      prev.end = piece.end;
    } else merged.push({ ...piece, body: piece.start });
  }
  // An unfinished scrap at the very end has nothing after it to join ("Dated as of September 30,
  // 2019" after "… Cerence Inc."): it ends the sentence before it.
  const [before, last] = merged.slice(-2);
  const scrap =
    last && last.end - last.start < MIN_SENTENCE_CHARS && !/[.!?;:]$/.test(text.slice(0, last.end));
  if (before && last && scrap && last.end - before.start <= MAX_SENTENCE_CHARS) {
    before.end = last.end;
    merged.pop();
  }
  // Heading lines above the words ("1. TERM" on a line of its own) are not quoted either.
  for (const piece of merged) {
    for (
      let nl = text.indexOf("\n", piece.body);
      nl !== -1 && nl < piece.end;
      nl = text.indexOf("\n", piece.body)
    ) {
      if (!isHeadingLine(text.slice(piece.body, nl))) break;
      piece.body = nl + 1;
      while (piece.body < piece.end && /\s/.test(text[piece.body]!)) piece.body++;
    }
  }
  return merged;
}

/** The lead-in to the signatures, and the labels of a signature block's lines. */
const SIGNATURE_LINES = [/^in witness whereof\b/i, /^(by|name|title|date|signature|its)\s*:/i];
/**
 * Words that stand in every contract and answer no question: the lead-in to the clauses, the
 * signature block (but the date it was signed on), a bare heading. They are not offered as evidence
 * (an answer once cited "The parties hereto agree as follows" three times).
 */
const BOILERPLATE = [/\bagree[sd]?\s+as\s+follows\b/i, /^now,?\s+therefore\b/i, ...SIGNATURE_LINES];

/** Whether a passage holds signatures: a line that leads in to them or is one of their labels ("By:"). */
export function holdsSignatures(text: string): boolean {
  return text.split("\n").some((line) => SIGNATURE_LINES.some((re) => re.test(line.trim())));
}

/** Whether a sentence's quote is contract boilerplate (or too short to say anything). */
export function isBoilerplateSentence(quote: string): boolean {
  const text = quote.replace(/\s+/g, " ").trim();
  if (/[\p{L}\p{N}]/u.test(text) === false || text.length < 12) return true;
  return (BOILERPLATE.some((re) => re.test(text)) && !SIGNED_ON.test(text)) || isHeadingLine(text);
}

/**
 * Number the passages 1…n and their citable sentences S1…Sk across the prompt, in retrieval order
 * (boilerplate gets no id). Sentence ids look nothing like clause numbers ("2.1"), which small
 * models would confuse them with. Passages `quotesTitleLines` picks keep their heading lines in the
 * quotes (a contract's name and parties often stand only in its title lines).
 */
export function numberPassages(
  passages: readonly RetrievedPassage[],
  quotesTitleLines: (passage: RetrievedPassage) => boolean = () => false,
): NumberedPassage[] {
  let next = 1;
  return passages.map((passage, i) => ({
    n: i + 1,
    passage,
    sentences: splitSentences(passage.text)
      .map(({ start, end, body }) => ({
        start,
        end,
        text: passage.text.slice(start, end),
        quote: passage.text.slice(quotesTitleLines(passage) ? start : body, end),
      }))
      .filter((s) => !isBoilerplateSentence(s.quote))
      .map((s) => ({ id: `S${next++}`, ...s })),
  }));
}
