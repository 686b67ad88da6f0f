import { posix } from "node:path";
import { ingestErrors } from "../errors.js";
import { rowLines } from "./csv.js";
import { coreTitle } from "./docx.js";
import { scanMarkup } from "./markup.js";
import type { DocumentReader, ParsedPage } from "./types.js";
import { inspectZip } from "./zip.js";

const decode = (bytes: Uint8Array) => new TextDecoder("utf-8").decode(bytes);

/** Built-in number formats that show dates or times (ECMA-376 18.8.30). */
const DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47]);

/** The text of every <si> in sharedStrings.xml (rich-text runs joined, phonetic hints left out). */
function sharedStrings(xml: string): string[] {
  const out: string[] = [];
  let current = "";
  let inText = false;
  let phonetic = 0;
  scanMarkup(xml, "xml", {
    open(name) {
      if (name === "si") current = "";
      else if (name === "rPh") phonetic++;
      else if (name === "t") inText = phonetic === 0;
    },
    close(name) {
      if (name === "si") out.push(current);
      else if (name === "rPh") phonetic--;
      else if (name === "t") inText = false;
    },
    text(text) {
      if (inText) current += text;
    },
  });
  return out;
}

/** Which cell styles (index into cellXfs) show numbers as dates. */
function dateStyles(xml: string | undefined): Set<number> {
  const custom = new Map<number, string>();
  const styles: boolean[] = [];
  let inCellXfs = false;
  if (xml) {
    scanMarkup(xml, "xml", {
      open(name, attributes) {
        if (name === "numFmt") {
          custom.set(Number(attributes.get("numFmtId")), attributes.get("formatCode") ?? "");
        } else if (name === "cellXfs") inCellXfs = true;
        else if (name === "xf" && inCellXfs) {
          const id = Number(attributes.get("numFmtId") ?? 0);
          const code = (custom.get(id) ?? "").replace(/"[^"]*"|\[[^\]]*\]|\\./g, "");
          styles.push(DATE_FORMATS.has(id) || /[dmyhs]/i.test(code));
        }
      },
      close(name) {
        if (name === "cellXfs") inCellXfs = false;
      },
    });
  }
  return new Set(styles.flatMap((isDate, i) => (isDate ? [i] : [])));
}

/** An Excel serial date as ISO 8601 (a time of day only when there is one). */
function serialDate(serial: number, date1904: boolean): string {
  const ms = Math.round((serial + (date1904 ? 1462 : 0)) * 86_400_000) + Date.UTC(1899, 11, 30);
  const iso = new Date(ms).toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso.slice(0, 16).replace("T", " ");
}

interface SheetContext {
  strings: string[];
  dates: Set<number>;
  date1904: boolean;
}

/** The rows of one worksheet, cells as shown (shared strings resolved, dates as dates). */
function sheetRows(xml: string, ctx: SheetContext): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let type = "n";
  let style = 0;
  let value = "";
  let inline = "";
  let reading: "v" | "t" | null = null;
  scanMarkup(xml, "xml", {
    open(name, attributes) {
      if (name === "row") row = [];
      else if (name === "c") {
        type = attributes.get("t") ?? "n";
        style = Number(attributes.get("s") ?? 0);
        value = "";
        inline = "";
      } else if (name === "v") reading = "v";
      else if (name === "t") reading = "t";
    },
    close(name) {
      if (name === "v" || name === "t") reading = null;
      else if (name === "row") rows.push(row);
      else if (name === "c") {
        const number = Number(value);
        if (type === "s") row.push(ctx.strings[Number(value)] ?? "");
        else if (type === "inlineStr") row.push(inline);
        else if (type === "b") row.push(value === "1" ? "TRUE" : "FALSE");
        else if (type === "n" && value !== "" && ctx.dates.has(style) && Number.isFinite(number)) {
          row.push(serialDate(number, ctx.date1904));
        } else row.push(value);
      }
    },
    text(text) {
      if (reading === "v") value += text;
      else if (reading === "t") inline += text;
    },
  });
  return rows;
}

/**
 * Excel workbooks (XLSX): one page per worksheet, in workbook order, each starting with the sheet
 * name as a `#` heading and then one line per row. The archive passes the decompression-bomb guard
 * before any of it is read.
 */
export const xlsxReader: DocumentReader = {
  type: "xlsx",
  async read(bytes, limits) {
    const parts = inspectZip(bytes, "XLSX", limits, (name) => /\.(xml|rels)$/i.test(name));
    const text = (name: string) => {
      const part = parts.get(name);
      return part ? decode(part) : undefined;
    };
    const workbook = text("xl/workbook.xml");
    if (!workbook) throw ingestErrors.damaged("XLSX", "it has no workbook");

    const targets = new Map<string, string>();
    scanMarkup(text("xl/_rels/workbook.xml.rels") ?? "", "xml", {
      open(name, attributes) {
        const target = attributes.get("Target");
        if (name !== "Relationship" || !target) return;
        const path = target.startsWith("/") ? target.slice(1) : posix.normalize(posix.join("xl", target));
        targets.set(attributes.get("Id") ?? "", path);
      },
    });
    const sheets: { name: string; path: string | undefined }[] = [];
    let date1904 = false;
    scanMarkup(workbook, "xml", {
      open(name, attributes) {
        if (name === "workbookPr") date1904 = /^(1|true)$/.test(attributes.get("date1904") ?? "");
        if (name !== "sheet") return;
        const rel = [...attributes].find(([key]) => key === "id" || key.endsWith(":id"))?.[1] ?? "";
        sheets.push({ name: attributes.get("name") ?? `Sheet ${sheets.length + 1}`, path: targets.get(rel) });
      },
    });
    if (sheets.length > limits.maxPages) throw ingestErrors.tooManyPages(sheets.length, limits.maxPages);

    const ctx: SheetContext = {
      strings: sharedStrings(text("xl/sharedStrings.xml") ?? ""),
      dates: dateStyles(text("xl/styles.xml")),
      date1904,
    };
    const lines = sheets.map((sheet) => {
      const xml = sheet.path ? text(sheet.path) : undefined;
      return xml ? rowLines(sheetRows(xml, ctx)) : [];
    });
    // A workbook without a single filled cell has no text, whatever its sheets are called.
    const empty = lines.every((l) => l.length === 0);
    // Chart sheets and empty sheets keep their heading, so page numbers stay sheet numbers.
    const pages: ParsedPage[] = sheets.map((sheet, i) => ({
      page: i + 1,
      text: empty ? "" : [`# ${sheet.name}`, ...lines[i]!].join("\n"),
      source: "text-layer",
    }));
    return { pages, title: coreTitle(parts.get("docProps/core.xml")), markdownHeadings: true };
  },
};
