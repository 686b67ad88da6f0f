// What readers return (pages, metadata, attachments) and what they are given (limits, tools).
import type { FileType, PageNumbers, PageTextSource } from "../../schemas/document.js";
import type { OutlineEntry } from "../chunking/structure.js";

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
  /** Problems worth a log line that did not stop the file (e.g. OCR unavailable), in plain words; kept as the document's notes. */
  warnings?: string[];
  /** Whether the page numbers are those the file prints (see PageNumbers); unset for formats without printed pages. */
  pageNumbers?: PageNumbers;
  /** The file's own headings (PDF bookmarks), in reading order: they give sections to text without Markdown headings. */
  outline?: OutlineEntry[];
}

/** Limits every reader enforces before doing expensive work, and the outside programs it may use. */
export interface ReadLimits {
  /** Most pages a document may have. */
  maxPages: number;
  /** Most bytes an archive (DOCX, XLSX, ODT, PPTX) may expand to. */
  maxExpandedBytes: number;
  /** Most attachments of one e-mail that become documents (MAX_ATTACHMENTS); DEFAULT_MAX_ATTACHMENTS when unset. */
  maxAttachments?: number;
  /** Tesseract languages for OCR, e.g. "eng+spa" (OCR_LANGUAGES); DEFAULT_OCR_LANGUAGES when unset. */
  ocrLanguages?: string;
  /** LibreOffice, which lays office files out as PDF (OFFICE_CONVERTER, OFFICE_CONVERT_TIMEOUT_MS); the defaults when unset. */
  office?: OfficeSettings;
}

/** How office files are converted to PDF. */
export interface OfficeSettings {
  /** The LibreOffice program: a name on PATH or a path. */
  converter: string;
  /** Longest one conversion may take, in milliseconds; then its processes are killed. */
  timeoutMs: number;
}

/** Reads one file format into pages. Throws PermanentIngestError for files that can never be read. */
export interface DocumentReader {
  readonly type: FileType;
  read(bytes: Uint8Array, limits: ReadLimits): Promise<ParsedDocument>;
}
