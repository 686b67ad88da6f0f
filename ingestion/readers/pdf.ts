// PDF files: the text layer page by page (pdf-parse, i.e. pdf.js), OCR for scanned pages; also the
// reader of the PDFs LibreOffice makes from office files.
import { PDFParse } from "pdf-parse";
import type { OutlineEntry } from "../chunking/structure.js";
import { ingestErrors, PermanentIngestError } from "../errors.js";
import { type OcrResult, ocrPdfPages } from "./ocr.js";
import type { DocumentReader, ParsedDocument, ParsedPage, ReadLimits } from "./types.js";

/** A page with fewer non-space characters than this in its text layer is treated as a scan. */
export const OCR_BELOW_CHARS = 20;

function translate(error: unknown): Error {
  const name = (error as Error)?.name ?? "";
  if (error instanceof PermanentIngestError) return error;
  if (name === "PasswordException") return ingestErrors.encrypted();
  if (name === "InvalidPDFException" || name === "FormatError") {
    return ingestErrors.invalidPdf((error as Error).message.replace(/\s+/g, " ").slice(0, 80));
  }
  return error as Error;
}

/** A bookmark as pdf.js gives it: a title and nested items. */
interface Bookmark {
  title: string;
  items?: Bookmark[];
}

/** PDF bookmarks flattened in reading order (depth first), with their nesting level; bounded in size and depth. */
export function flattenOutline(items: readonly Bookmark[] | null | undefined, level = 1): OutlineEntry[] {
  const out: OutlineEntry[] = [];
  const walk = (nodes: readonly Bookmark[], depth: number) => {
    if (depth > 6) return;
    for (const node of nodes) {
      if (out.length >= 10_000) return;
      const title = typeof node.title === "string" ? node.title.replace(/\s+/g, " ").trim() : "";
      if (title) out.push({ title, level: depth });
      if (Array.isArray(node.items)) walk(node.items, depth + 1);
    }
  };
  walk(items ?? [], level);
  return out;
}

async function readTextLayer(bytes: Uint8Array, limits: ReadLimits): Promise<ParsedDocument> {
  // pdf-parse takes over the buffer it is given: hand it a copy.
  const parser = new PDFParse({ data: new Uint8Array(bytes), isEvalSupported: false, stopAtErrors: false });
  try {
    const info = await parser.getInfo();
    if (info.total > limits.maxPages) throw ingestErrors.tooManyPages(info.total, limits.maxPages);
    const result = await parser.getText({ lineEnforce: true });
    const title = (info.info as { Title?: unknown } | undefined)?.Title;
    return {
      pages: result.pages.map((p) => ({ page: p.num, text: p.text, source: "text-layer" as const })),
      title: typeof title === "string" && title.trim() ? title.trim() : undefined,
      outline: flattenOutline(info.outline as Bookmark[] | null | undefined),
    };
  } catch (error) {
    throw translate(error);
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}

/**
 * Pages with their OCR results applied: read pages become "ocr" with their confidence, the others
 * "failed" (keeping whatever scrap of text they had). Throws no_text when OCR is unavailable and no
 * page has text; otherwise the problems become warnings.
 */
export function applyOcr(
  pages: readonly ParsedPage[],
  results: ReadonlyMap<number, OcrResult>,
): { pages: ParsedPage[]; warnings: string[] } {
  const warnings: string[] = [];
  const unavailable = new Set<string>();
  const out = pages.map((page): ParsedPage => {
    const result = results.get(page.page);
    if (!result) return page;
    if (result.status === "ok") {
      return { page: page.page, text: result.text, source: "ocr", ocrConfidence: result.confidence };
    }
    if (result.status === "unavailable") unavailable.add(result.detail);
    if (result.status === "failed") warnings.push(`OCR of page ${page.page} failed: ${result.detail}`);
    return { ...page, source: "failed" };
  });
  for (const detail of unavailable) {
    warnings.push(
      `${results.size} scanned page(s) were not read because OCR is not available: ${detail}; then upload the file again`,
    );
  }
  if (unavailable.size > 0 && out.every((p) => p.source === "failed" || p.text.trim().length === 0)) {
    throw new PermanentIngestError(
      "no_text",
      `no text could be read from the file: it is a scan, and OCR cannot run on this server (${[...unavailable].join("; ")}); ask the administrator to fix that, then upload the file again`,
    );
  }
  return { pages: out, warnings };
}

/** Replace the pages without a usable text layer by their OCR text ("ocr"), or mark them "failed". */
async function ocrScannedPages(
  bytes: Uint8Array,
  parsed: ParsedDocument,
  limits: ReadLimits,
): Promise<ParsedDocument> {
  const scanned = parsed.pages.filter((p) => p.text.replace(/\s+/g, "").length < OCR_BELOW_CHARS);
  if (scanned.length === 0) return parsed;
  const results = await ocrPdfPages(
    bytes,
    scanned.map((p) => p.page),
    limits.ocrLanguages,
  );
  const { pages, warnings } = applyOcr(parsed.pages, results);
  return { ...parsed, pages, ...(warnings.length > 0 ? { warnings } : {}) };
}

/** A PDF's pages (text layer, OCR where it is missing), title and bookmarks. */
export async function readPdf(bytes: Uint8Array, limits: ReadLimits): Promise<ParsedDocument> {
  return ocrScannedPages(bytes, await readTextLayer(bytes, limits), limits);
}

/**
 * PDF text, page by page, through pdf-parse (pdf.js). Pages whose text layer is empty or nearly so
 * (scans) are read by OCR: their source becomes "ocr" with the mean word confidence, or "failed".
 */
export const pdfReader: DocumentReader = {
  type: "pdf",
  async read(bytes: Uint8Array, limits: ReadLimits): Promise<ParsedDocument> {
    const { outline: _bookmarks, ...parsed } = await readPdf(bytes, limits);
    // Bookmarks of PDFs in general are not used for sections yet (measured retrieval is without them).
    return { ...parsed, pageNumbers: "as-printed" };
  },
};
