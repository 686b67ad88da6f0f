// Office files read without LibreOffice (its fallback): the text of a Word 97–2003 .doc (its piece
// table), of an RTF (its control words) and of a PowerPoint .pptx (its slides' XML). No layout, so
// their page numbers are approximate (office.ts says so on the document).
import CFB from "cfb";
import iconv from "iconv-lite";
import { ingestErrors, PermanentIngestError } from "../errors.js";
import { scanMarkup } from "./markup.js";
import type { ParsedDocument, ReadLimits } from "./types.js";
import { inspectZip } from "./zip.js";

const onePage = (text: string): ParsedDocument => ({ pages: [{ page: 1, text, source: "text-layer" }] });

/** Word's control characters in document text, as plain text: fields keep their result only. */
function wordText(raw: string): string {
  let out = "";
  let field = 0; // nesting of fields whose instruction is being skipped
  for (const ch of raw) {
    if (ch === "\u0013") field++;
    else if (ch === "\u0014" || ch === "\u0015") field = Math.max(0, field - 1);
    else if (field > 0) continue;
    else if (ch === "\r" || ch === "\u000b") out += "\n";
    else if (ch === "\u0007") out += "\t";
    else if (ch === "\u000c") out += "\n";
    else if (ch >= " " || ch === "\t") out += ch;
  }
  return out
    .split("\n")
    .map((l) => l.replace(/\t+$/, "").trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * The text of a Word 97–2003 document: its FIB names the table stream and the piece table (Clx),
 * whose pieces are runs of Windows-1252 or UTF-16 text in the WordDocument stream.
 */
export function docText(bytes: Uint8Array): string {
  let file: CFB.CFB$Container;
  try {
    file = CFB.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { type: "buffer" });
  } catch (error) {
    throw ingestErrors.damaged("Word 97–2003", (error as Error).message.slice(0, 80));
  }
  const stream = (name: string) => {
    const content = CFB.find(file, name)?.content;
    return content ? Buffer.from(content as Uint8Array) : null;
  };
  const word = stream("WordDocument");
  if (!word || word.length < 0x1aa || word.readUInt16LE(0) !== 0xa5ec)
    throw ingestErrors.damaged("Word 97–2003", "it has no Word document stream");
  const flags = word.readUInt16LE(0x0a);
  if (flags & 0x0100)
    throw new PermanentIngestError(
      "pdf_encrypted",
      "the Word file is password-protected: save a copy without a password and upload that",
    );
  const table = stream(flags & 0x0200 ? "1Table" : "0Table");
  const fcClx = word.readUInt32LE(0x1a2);
  const lcbClx = word.readUInt32LE(0x1a6);
  if (!table || fcClx + lcbClx > table.length)
    throw ingestErrors.damaged("Word 97–2003", "its piece table is missing");
  let at = fcClx;
  // Prc entries (formatting) come first; the Pcdt (0x02) holds the pieces.
  while (table[at] === 0x01 && at + 3 <= fcClx + lcbClx) at += 3 + table.readUInt16LE(at + 1);
  if (table[at] !== 0x02) throw ingestErrors.damaged("Word 97–2003", "its piece table is broken");
  const lcb = table.readUInt32LE(at + 1);
  const plc = at + 5;
  const n = Math.floor((lcb - 4) / 12);
  if (n < 0 || plc + lcb > table.length)
    throw ingestErrors.damaged("Word 97–2003", "its piece table is cut short");
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const chars = table.readUInt32LE(plc + 4 * (i + 1)) - table.readUInt32LE(plc + 4 * i);
    const fc = table.readUInt32LE(plc + 4 * (n + 1) + 8 * i + 2);
    const compressed = (fc & 0x40000000) !== 0;
    const start = compressed ? (fc & 0x3fffffff) / 2 : fc;
    const length = compressed ? chars : chars * 2;
    if (chars < 0 || start + length > word.length)
      throw ingestErrors.damaged("Word 97–2003", "a text piece is cut short");
    const run = word.subarray(start, start + length);
    parts.push(compressed ? iconv.decode(run, "windows-1252") : run.toString("utf16le"));
  }
  return wordText(parts.join(""));
}

/** Groups whose content is not document text (tables of fonts, colours, styles; pictures; metadata). */
const RTF_SKIP = new Set(
  "fonttbl colortbl stylesheet info pict object header footer headerl headerr headerf footerl footerr footerf fldinst themedata colorschememapping datastore latentstyles listtable listoverridetable rsidtbl generator xmlnstbl mmathPr pgdsctbl filetbl revtbl".split(
    " ",
  ),
);

/** Control words that stand for text. */
const RTF_TEXT: Record<string, string> = {
  par: "\n",
  line: "\n",
  row: "\n",
  sect: "\n",
  page: "\n",
  tab: "\t",
  cell: "\t",
  emdash: "—",
  endash: "–",
  lquote: "‘",
  rquote: "’",
  ldblquote: "“",
  rdblquote: "”",
  bullet: "•",
};
/** Escaped characters (`\~` and the like). */
const RTF_SYMBOLS: Record<string, string> = { "~": "\u00a0", _: "-", "\\": "\\", "{": "{", "}": "}" };

/** An RTF document read token by token: groups, destinations to skip, code-page bytes, \u characters. */
class RtfText {
  private codepage = "windows-1252";
  private stack: { skip: boolean; uc: number }[] = [];
  private skip = false;
  /** Characters that follow a \u as its fallback for old readers: dropped. */
  private uc = 1;
  private pendingSkip = 0;
  private out = "";
  private bytes: number[] = [];

  private flush(): void {
    if (this.bytes.length > 0) this.out += iconv.decode(Buffer.from(this.bytes), this.codepage);
    this.bytes.length = 0;
  }

  private emit(text: string): void {
    this.flush();
    if (!this.skip) this.out += text;
  }

  hex(hex: string): void {
    if (this.pendingSkip > 0) this.pendingSkip--;
    else if (!this.skip) this.bytes.push(Number.parseInt(hex, 16));
  }

  text(text: string): void {
    const dropped = Math.min(this.pendingSkip, text.length);
    this.pendingSkip -= dropped;
    this.emit(text.slice(dropped));
  }

  brace(brace: string): void {
    this.pendingSkip = 0;
    this.flush();
    if (brace === "{") this.stack.push({ skip: this.skip, uc: this.uc });
    else ({ skip: this.skip, uc: this.uc } = this.stack.pop() ?? { skip: false, uc: 1 });
  }

  symbol(symbol: string): void {
    this.pendingSkip = 0;
    if (symbol === "*") this.skip = true;
    else if (RTF_SYMBOLS[symbol]) this.emit(RTF_SYMBOLS[symbol]);
  }

  word(word: string, arg: string | undefined): void {
    this.pendingSkip = 0;
    if (RTF_SKIP.has(word)) this.skip = true;
    else if (word === "ansicpg" && arg && iconv.encodingExists(`cp${arg}`)) this.codepage = `cp${arg}`;
    else if (word === "uc" && arg) this.uc = Number(arg);
    else if (word === "u" && arg) {
      const code = Number(arg);
      this.emit(String.fromCharCode(code < 0 ? code + 65536 : code));
      this.pendingSkip = this.uc;
    } else if (RTF_TEXT[word]) this.emit(RTF_TEXT[word]);
  }

  result(): string {
    this.flush();
    return this.out;
  }
}

/** The text of an RTF document: paragraphs and line breaks as lines, cells apart, \u and \'hh decoded. */
export function rtfText(rtf: string): string {
  const reader = new RtfText();
  const token = /\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])|([{}])|[\r\n]+|([^\\{}\r\n]+)/g;
  for (let m = token.exec(rtf); m; m = token.exec(rtf)) {
    const [, word, arg, hex, symbol, brace, text] = m;
    if (hex !== undefined) reader.hex(hex);
    else if (text !== undefined) reader.text(text);
    else if (brace !== undefined) reader.brace(brace);
    else if (symbol !== undefined) reader.symbol(symbol);
    else if (word !== undefined) reader.word(word, arg);
  }
  return reader
    .result()
    .split("\n")
    .map((l) => l.replace(/\t+$/, "").trim())
    .filter((l, i, all) => l.length > 0 || (i > 0 && all[i - 1]!.length > 0))
    .join("\n")
    .trim();
}

/** A PowerPoint presentation's slides, one page each in slide order, their paragraphs as lines. */
export function readPptxText(bytes: Uint8Array, limits: ReadLimits): ParsedDocument {
  const slide = /^ppt\/slides\/slide(\d+)\.xml$/;
  const parts = inspectZip(bytes, "PPTX", limits, (name) => slide.test(name));
  const slides = [...parts.entries()]
    .map(([name, xml]) => ({ n: Number(slide.exec(name)![1]), xml }))
    .sort((a, b) => a.n - b.n);
  if (slides.length > limits.maxPages) throw ingestErrors.tooManyPages(slides.length, limits.maxPages);
  const pages = slides.map(({ xml }, i) => {
    const lines: string[] = [];
    let line = "";
    let inText = false;
    scanMarkup(new TextDecoder().decode(xml), "xml", {
      open: (name) => {
        if (name === "t") inText = true;
        else if (name === "br") line += " ";
      },
      close: (name) => {
        if (name === "t") inText = false;
        else if (name === "p") {
          if (line.trim()) lines.push(line.trim());
          line = "";
        }
      },
      text: (text) => {
        if (inText) line += text;
      },
    });
    return { page: i + 1, text: lines.join("\n"), source: "text-layer" as const };
  });
  return { pages: pages.length > 0 ? pages : [{ page: 1, text: "", source: "text-layer" }] };
}

/** A .doc without LibreOffice. */
export async function readDocText(bytes: Uint8Array): Promise<ParsedDocument> {
  return onePage(docText(bytes));
}

/** An .rtf without LibreOffice (RTF is 7-bit text; 8-bit bytes are read as Latin-1, as RTF readers do). */
export async function readRtfText(bytes: Uint8Array): Promise<ParsedDocument> {
  return onePage(rtfText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1")));
}
