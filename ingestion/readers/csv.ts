// CSV files: one line per record, in whatever character set they were saved (see charset.ts).
import { decodeText } from "./charset.js";
import type { DocumentReader } from "./types.js";

/** Separator of cells in a row's line, for CSV and spreadsheet rows alike. */
export const CELL_SEPARATOR = " | ";

/** The delimiter a CSV file uses: the most frequent of , ; and tab outside quotes in its first lines. */
function guessDelimiter(text: string): string {
  const sample = text.slice(0, 8192);
  const counts = new Map<string, number>([
    [",", 0],
    [";", 0],
    ["\t", 0],
  ]);
  let quoted = false;
  for (const ch of sample) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  const [best, n] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  return n > 0 ? best : ",";
}

/**
 * Records of a CSV text (RFC 4180: quoted fields may hold delimiters, quotes and line breaks).
 * Fields are sliced out between delimiters found with indexOf, never built a character at a time,
 * so a 100 MB file is read in a blink.
 */
export function csvRows(text: string, delimiter = guessDelimiter(text)): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  const n = text.length;
  let nextDelimiter = -1;
  let nextNewline = -1;
  /** Where the unquoted part of a field that starts at `from` ends. */
  const stop = (from: number) => {
    if (nextDelimiter < from) nextDelimiter = text.indexOf(delimiter, from) >>> 0;
    if (nextNewline < from) nextNewline = text.indexOf("\n", from) >>> 0;
    return Math.min(nextDelimiter, nextNewline, n);
  };
  let i = 0;
  for (;;) {
    let value = "";
    if (text[i] === '"') {
      const parts: string[] = [];
      let j = i + 1;
      for (;;) {
        const quote = text.indexOf('"', j);
        if (quote < 0) {
          // An unclosed quote runs to the end of the file, as spreadsheet programs read it.
          parts.push(text.slice(j));
          j = n;
          break;
        }
        parts.push(text.slice(j, quote));
        if (text[quote + 1] !== '"') {
          j = quote + 1;
          break;
        }
        parts.push('"');
        j = quote + 2;
      }
      i = j;
      value = parts.join("");
    }
    const end = stop(i);
    value += text.slice(i, end);
    row.push(value);
    if (end >= n) break;
    if (text[end] === "\n") {
      rows.push(row);
      row = [];
    }
    i = end + 1;
  }
  rows.push(row);
  return rows;
}

/**
 * One line per row: cells trimmed (line breaks inside a cell become spaces), empty cells and rows
 * dropped — a sparse sheet would otherwise fill its lines with separators that say nothing.
 */
export function rowLines(rows: readonly (readonly string[])[]): string[] {
  const lines: string[] = [];
  for (const row of rows) {
    const cells = row.map((c) => c.replace(/\s+/g, " ").trim()).filter((c) => c.length > 0);
    if (cells.length > 0) lines.push(cells.join(CELL_SEPARATOR));
  }
  return lines;
}

/** CSV files: one page, one line per record, cells joined by " | ". */
export const csvReader: DocumentReader = {
  type: "csv",
  async read(bytes) {
    const text = decodeText(bytes).text.replace(/\r\n?/g, "\n");
    return { pages: [{ page: 1, text: rowLines(csvRows(text)).join("\n"), source: "text-layer" }] };
  },
};
