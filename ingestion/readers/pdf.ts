import { PDFParse } from "pdf-parse";
import { ingestErrors, PermanentIngestError } from "../errors.js";
import { ocrPdfPages } from "./ocr.js";
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
    };
  } catch (error) {
    throw translate(error);
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}

/** Replace the pages without a usable text layer by their OCR text ("ocr"), or mark them "failed". */
async function ocrScannedPages(bytes: Uint8Array, parsed: ParsedDocument): Promise<ParsedDocument> {
  const scanned = parsed.pages.filter((p) => p.text.replace(/\s+/g, "").length < OCR_BELOW_CHARS);
  if (scanned.length === 0) return parsed;
  const results = await ocrPdfPages(
    bytes,
    scanned.map((p) => p.page),
  );
  const warnings: string[] = [];
  const unavailable = new Set<string>();
  const pages = parsed.pages.map((page): ParsedPage => {
    const result = results.get(page.page);
    if (!result) return page;
    if (result.status === "ok") {
      return { page: page.page, text: result.text, source: "ocr", ocrConfidence: result.confidence };
    }
    if (result.status === "unavailable") unavailable.add(result.detail);
    if (result.status === "failed") warnings.push(`OCR of page ${page.page} failed: ${result.detail}`);
    // Whatever little the text layer had is kept; the page is still marked as not read.
    return { ...page, source: "failed" };
  });
  for (const detail of unavailable) {
    warnings.push(
      `${scanned.length} scanned page(s) were not read because OCR is not available: ${detail}; install it and upload the file again`,
    );
  }
  if (unavailable.size > 0 && pages.every((p) => p.source === "failed" || p.text.trim().length === 0)) {
    throw new PermanentIngestError(
      "no_text",
      "no text could be read from the file: it is a scan, and OCR is not installed on this server; ask the administrator to install poppler-utils and tesseract-ocr, then upload the file again",
    );
  }
  return { ...parsed, pages, ...(warnings.length > 0 ? { warnings } : {}) };
}

/**
 * PDF text, page by page, through pdf-parse (pdf.js). Pages whose text layer is empty or nearly so
 * (scans) are read by OCR: their source becomes "ocr" with the mean word confidence, or "failed".
 */
export const pdfReader: DocumentReader = {
  type: "pdf",
  async read(bytes: Uint8Array, limits: ReadLimits): Promise<ParsedDocument> {
    return ocrScannedPages(bytes, await readTextLayer(bytes, limits));
  },
};
