import type { FileType, PageTextSource } from "../../schemas/document.js";

/** The text of one page, 1-based, and how it was obtained. */
export interface ParsedPage {
  page: number;
  text: string;
  source: PageTextSource;
  /** Mean OCR confidence (0–100) when source is ocr. */
  ocrConfidence?: number;
}

/** A file read into pages, plus what the format says about itself. */
export interface ParsedDocument {
  pages: ParsedPage[];
  /** Title from the file's own metadata, if it has one. */
  title?: string;
  /** Format metadata worth keeping (e-mail headers, author…). */
  metadata?: Record<string, string>;
  /** Files inside this one (e-mail attachments), ingested as documents of their own. */
  attachments?: { name: string; bytes: Uint8Array }[];
  /** The text marks headings as Markdown `#` lines (converted HTML, DOCX, sheets): the chunker reads them as sections. */
  markdownHeadings?: boolean;
  /** Problems worth a log line that did not stop the file (e.g. OCR unavailable), in plain words. */
  warnings?: string[];
}

/** Limits every reader enforces before doing expensive work. */
export interface ReadLimits {
  /** Most pages a document may have. */
  maxPages: number;
  /** Most bytes an archive (DOCX, XLSX) may expand to. */
  maxExpandedBytes: number;
}

/** Reads one file format into pages. Throws PermanentIngestError for files that can never be read. */
export interface DocumentReader {
  readonly type: FileType;
  read(bytes: Uint8Array, limits: ReadLimits): Promise<ParsedDocument>;
}
