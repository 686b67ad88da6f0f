import type { ChunkSpan } from "../../schemas/document.js";
import type { ParsedPage } from "../readers/types.js";
import {
  detectHeading,
  findBoilerplate,
  type Heading,
  isBoilerplate,
  isRuleLine,
  lineNumberRuns,
  type OutlineEntry,
  outlineMatcher,
  trimRules,
} from "./structure.js";

/** A passage cut from a document, with its way back to the pages. */
export interface TextChunk {
  ordinal: number;
  /** The passage: page text slices joined by "\n" where the slices are not adjacent. */
  text: string;
  /** Heading path, outermost first, joined by " > ". */
  section: string;
  pageStart: number;
  pageEnd: number;
  /** Offset of the first character in pageStart's text. */
  charStart: number;
  /** Offset past the last character in pageEnd's text. */
  charEnd: number;
  spans: ChunkSpan[];
  /** Tokens of the text in the embedding model's tokenizer (special tokens included). */
  tokens: number;
  /** The chunk starts before the first numbered clause or article: title, parties, date, recitals. */
  preamble: boolean;
}

/** How to cut chunks. */
export interface ChunkOptions {
  /** Tokens the embedding model sees for a passage: special tokens and any passage prefix included. */
  countTokens: (text: string) => number;
  /** Size to aim for, in tokens of chunk text. */
  targetTokens: number;
  /** Hard limit for the text the embedder sees (chunk text plus `header`), in tokens. */
  maxTokens: number;
  /** A chunk smaller than this merges with the next section instead of standing alone. */
  minTokens: number;
  /** Text placed before the chunk when it is embedded (title, section): counted against maxTokens. */
  header?: (section: string) => string;
  /** Read `#` headings (Markdown). */
  markdown?: boolean;
  /** The file's own headings in reading order (PDF bookmarks): lines that match them are headings at their level. */
  outline?: readonly OutlineEntry[];
}

/** A piece of one line of one page: the smallest unit a chunk is made of. */
interface Piece {
  page: number;
  start: number;
  end: number;
  text: string;
  tokens: number;
  /** Index of the structural block (heading-started section) the piece belongs to. */
  block: number;
  /** The piece is the start of a line (a "\n" separates it from the previous piece). */
  lineStart: boolean;
}

interface Block {
  /** Heading path of the block; "" before the first heading. */
  section: string;
  /** The outermost heading of the path ("12 GOVERNING LAW"); "" before the first heading. */
  root: string;
  /** Before the first numbered clause or article, within the first two pages. */
  preamble: boolean;
  pieces: Piece[];
  tokens: number;
}

/** Split a line into sentence-like pieces (after . ; : followed by a space), keeping offsets. */
function splitSentences(text: string, offset: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const re = /(?<=[.;:!?])\s+(?=\S)/g;
  let from = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ start: offset + from, end: offset + m.index });
    from = m.index + m[0].length;
  }
  out.push({ start: offset + from, end: offset + text.length });
  return out;
}

/** Split an over-long piece at word boundaries into parts of at most `max` tokens. */
function splitByWords(piece: Piece, pageText: string, max: number, count: (t: string) => number): Piece[] {
  const out: Piece[] = [];
  const words = [...pageText.slice(piece.start, piece.end).matchAll(/\S+/g)];
  let startIdx = 0;
  while (startIdx < words.length) {
    let lo = startIdx + 1;
    let hi = words.length;
    // Largest prefix of words that fits (binary search on the token count).
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const s = piece.start + words[startIdx]!.index!;
      const e = piece.start + words[mid - 1]!.index! + words[mid - 1]![0].length;
      if (count(pageText.slice(s, e)) <= max) lo = mid;
      else hi = mid - 1;
    }
    const s = piece.start + words[startIdx]!.index!;
    const e = piece.start + words[lo - 1]!.index! + words[lo - 1]![0].length;
    const text = pageText.slice(s, e);
    out.push({
      ...piece,
      start: s,
      end: e,
      text,
      tokens: count(text),
      lineStart: out.length === 0 && piece.lineStart,
    });
    startIdx = lo;
  }
  return out;
}

/** The spans of a page's non-empty lines, without drawn rules at their ends (underlines are page furniture, not words). */
function contentLines(text: string): { start: number; end: number }[] {
  const lines: { start: number; end: number }[] = [];
  let pos = 0;
  for (const raw of text.split("\n")) {
    const kept = trimRules(raw.trim());
    const lead = raw.length - raw.trimStart().length + kept.start;
    if (kept.end > kept.start) lines.push({ start: pos + lead, end: pos + lead + (kept.end - kept.start) });
    pos += raw.length + 1;
  }
  return lines;
}

/** How many tokens a sentence piece may hold, and what every input costs whatever its text (special tokens, the passage prefix). */
type PieceBudget = { limit: number; overhead: number };

/** One line's sentence pieces for a block; a sentence over the piece limit is split between words. */
function linePieces(
  page: ParsedPage,
  start: number,
  end: number,
  block: number,
  budget: PieceBudget,
  options: ChunkOptions,
): Piece[] {
  return splitSentences(page.text.slice(start, end), start).flatMap((sentence, i) => {
    const text = page.text.slice(sentence.start, sentence.end);
    const piece: Piece = {
      page: page.page,
      ...sentence,
      text,
      tokens: Math.max(1, options.countTokens(text) - budget.overhead),
      block,
      lineStart: i === 0,
    };
    return piece.tokens > budget.limit
      ? splitByWords(piece, page.text, budget.limit, options.countTokens)
      : [piece];
  });
}

/** Read pages into structural blocks of sentence pieces, dropping running headers and footers. */
function readBlocks(pages: readonly ParsedPage[], options: ChunkOptions): Block[] {
  const boilerplate = pages.length >= 3 ? findBoilerplate(pages.map((p) => p.text)) : new Set<string>();
  const blocks: Block[] = [{ section: "", root: "", preamble: true, pieces: [], tokens: 0 }];
  let inBody = false;
  const stack: Heading[] = [];
  const budget: PieceBudget = {
    limit: Math.max(16, options.targetTokens),
    overhead: options.countTokens(""),
  };
  const fromOutline = options.outline?.length ? outlineMatcher(options.outline) : () => null;
  for (const page of pages) {
    const lines = contentLines(page.text);
    const lineNumbers = lineNumberRuns(lines.map(({ start, end }) => page.text.slice(start, end)));
    lines.forEach(({ start, end }, index) => {
      const line = page.text.slice(start, end);
      const atEdge = index < 3 || index >= lines.length - 3;
      if (atEdge && isBoilerplate(line, boilerplate)) return;
      if (lineNumbers.has(index) || isRuleLine(line)) return;
      const heading = fromOutline(line) ?? detectHeading(line, options.markdown ?? false);
      if (heading) {
        while (stack.length > 0 && stack.at(-1)!.level >= heading.level) stack.pop();
        stack.push(heading);
        inBody ||= heading.kind === "numbered" || heading.kind === "article" || page.page > 2;
        blocks.push({
          section: stack.map((h) => h.label).join(" > "),
          root: stack[0]!.label,
          preamble: !inBody,
          pieces: [],
          tokens: 0,
        });
      }
      const block = blocks.at(-1)!;
      for (const p of linePieces(page, start, end, blocks.length - 1, budget, options)) {
        block.pieces.push(p);
        block.tokens += p.tokens;
      }
    });
  }
  return blocks;
}

/** Join pieces into chunk text and spans: adjacent text of one page is copied verbatim, other joins get "\n". */
function assemble(pieces: Piece[], pages: Map<number, string>): { text: string; spans: ChunkSpan[] } {
  let text = "";
  const spans: ChunkSpan[] = [];
  for (const piece of pieces) {
    const last = spans.at(-1);
    const pageText = pages.get(piece.page)!;
    const gap = last && last.page === piece.page ? pageText.slice(last.end, piece.start) : null;
    if (last && gap !== null && /^[ \t]*\n?[ \t]*$/.test(gap)) {
      text += gap + piece.text;
      last.end = piece.end;
    } else {
      if (text.length > 0) text += "\n";
      spans.push({ page: piece.page, start: piece.start, end: piece.end, at: text.length });
      text += piece.text;
    }
  }
  return { text, spans };
}

/** A chunk holding more than this is not just a heading line. */
const HEADING_ONLY_TOKENS = 8;

/**
 * Cut pages into chunks that follow the document's structure: every heading or numbered clause
 * starts a new chunk unless the chunk so far is smaller than minTokens (a new top-level section
 * starts one unless the chunk so far is only a heading); a section longer than the target is split
 * between sentences. Every chunk, with its header, fits maxTokens of the embedding
 * model: nothing is cut off silently.
 */
export function chunkPages(pages: readonly ParsedPage[], options: ChunkOptions): TextChunk[] {
  const blocks = readBlocks(pages, options);
  const pageText = new Map(pages.map((p) => [p.page, p.text]));
  const chunks: TextChunk[] = [];
  for (const group of groupPieces(blocks, options)) {
    emitChunks(group, sectionOf(blocks, group), { blocks, pageText, options }, chunks);
  }
  return chunks;
}

/** Gather blocks' pieces into chunk-sized groups that start at headings (see chunkPages). */
function groupPieces(blocks: readonly Block[], options: ChunkOptions): Piece[][] {
  const groups: Piece[][] = [];
  let current: Piece[] = [];
  let tokens = 0;
  let root = "";
  const startGroup = () => {
    if (current.length > 0) groups.push(current);
    current = [];
    tokens = 0;
  };
  for (const block of blocks) {
    const newRoot = block.root !== root && tokens > HEADING_ONLY_TOKENS;
    if (block.section !== "" && (tokens >= options.minTokens || newRoot)) startGroup();
    if (current.length === 0) root = block.root;
    for (const piece of block.pieces) {
      if (current.length > 0 && tokens + piece.tokens > options.targetTokens) startGroup();
      current.push(piece);
      tokens += piece.tokens;
    }
  }
  startGroup();
  return groups;
}

/** A chunk's section is that of the block most of its text comes from. */
function sectionOf(blocks: readonly Block[], pieces: Piece[]): string {
  const weight = new Map<number, number>();
  for (const p of pieces) weight.set(p.block, (weight.get(p.block) ?? 0) + p.tokens);
  const [block] = [...weight].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]!;
  return blocks[block]!.section;
}

/** What emitting a chunk needs to know of the whole document. */
type ChunkContext = {
  blocks: readonly Block[];
  pageText: Map<number, string>;
  options: ChunkOptions;
};

/** Append a group as one chunk, halving it until it fits the embedding model with its header. */
function emitChunks(pieces: Piece[], section: string, context: ChunkContext, chunks: TextChunk[]): void {
  const { options } = context;
  const { text, spans } = assemble(pieces, context.pageText);
  const tokens = options.countTokens(text);
  const header = options.header?.(section) ?? "";
  const withHeader = header ? options.countTokens(`${header}\n${text}`) : tokens;
  if (withHeader > options.maxTokens && pieces.length > 1) {
    const half = Math.ceil(pieces.length / 2);
    emitChunks(pieces.slice(0, half), section, context, chunks);
    emitChunks(pieces.slice(half), section, context, chunks);
    return;
  }
  if (withHeader > options.maxTokens) {
    throw new Error(
      `a piece of ${withHeader} tokens does not fit the embedding model (${options.maxTokens})`,
    );
  }
  const first = spans[0]!;
  const last = spans.at(-1)!;
  chunks.push({
    ordinal: chunks.length,
    text,
    section,
    pageStart: first.page,
    pageEnd: last.page,
    charStart: first.start,
    charEnd: last.end,
    spans,
    tokens,
    preamble: context.blocks[pieces[0]!.block]!.preamble,
  });
}
