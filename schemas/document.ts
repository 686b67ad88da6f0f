import { z } from "zod";

/** Where a document is in the ingestion pipeline. */
export const DocumentStatus = z.enum(["queued", "processing", "ready", "failed"]);
export type DocumentStatus = z.infer<typeof DocumentStatus>;

/** File types Cited reads, detected from the bytes. */
export const FileType = z.enum([
  "pdf",
  "text",
  "markdown",
  "docx",
  "doc",
  "rtf",
  "odt",
  "pptx",
  "html",
  "eml",
  "msg",
  "csv",
  "xlsx",
  "tiff",
  "png",
  "jpeg",
]);
export type FileType = z.infer<typeof FileType>;

/** How a page's text was obtained. */
export const PageTextSource = z.enum(["text-layer", "ocr", "failed"]);
export type PageTextSource = z.infer<typeof PageTextSource>;

/**
 * Whether a document's page numbers are those a reader sees printed: "as-printed" for PDFs, scans
 * and office files laid out by LibreOffice; "approximate" for office files read without their
 * layout (LibreOffice not installed), where every page number is a guess. Null for formats without
 * printed pages (text, HTML, e-mail, CSV, sheets).
 */
export const PageNumbers = z.enum(["as-printed", "approximate"]);
export type PageNumbers = z.infer<typeof PageNumbers>;

/** Tenant that owns rows when access control is not configured. */
export const DEFAULT_TENANT = "default";
/** ACL group every key can read; documents uploaded without groups carry it. */
export const PUBLIC_GROUP = "public";

const isoTime = z.iso.datetime();

/** One uploaded or synced file, as stored in the `documents` table. */
export const DocumentRow = z.object({
  id: z.string(),
  tenant: z.string(),
  acl: z.array(z.string()),
  tags: z.array(z.string()),
  /** File name as uploaded (or path base name in a source). */
  name: z.string(),
  /** The document's own title (from its metadata or first heading); the file name until it is read. */
  title: z.string(),
  type: FileType.nullable(),
  size_bytes: z.int(),
  sha256: z.string(),
  status: DocumentStatus,
  /** Plain-words reason and remedy when status is failed. */
  error: z.string().nullable(),
  /** Stable code of the failure (e.g. pdf_encrypted). */
  error_code: z.string().nullable(),
  pages: z.int().nullable(),
  chunks: z.int().nullable(),
  /** Where the worker finds the bytes (a copy under DATA_DIR/files, or the file in a synced share). */
  file_path: z.string(),
  /** Source (synced folder) the file belongs to; null for uploads. */
  source_id: z.string().nullable(),
  /** Path relative to the source root; null for uploads. */
  source_path: z.string().nullable(),
  /**
   * Modification time (ms since the epoch) of the source file when it was last hashed; with
   * size_bytes, lets a sync skip hashing files that did not change. Null for uploads.
   */
  source_mtime_ms: z.number().nullable(),
  /** Document this one was extracted from (e-mail attachments); null otherwise. */
  parent_id: z.string().nullable(),
  /** JSON object of format metadata (e-mail headers, title). */
  metadata: z.string(),
  /** See PageNumbers; null until read, and for formats without printed pages. */
  page_numbers: PageNumbers.nullable(),
  /** JSON array of plain-words notes on how the file was read (approximate pages, OCR problems, attachments left out); null when there are none. */
  notes: z.string().nullable(),
  job_id: z.string().nullable(),
  created_at: isoTime,
  updated_at: isoTime,
});
export type DocumentRow = z.infer<typeof DocumentRow>;

/** The text of one page, as stored in the `pages` table (source view, coverage report, citations). */
export const PageRow = z.object({
  document_id: z.string(),
  tenant: z.string(),
  acl: z.array(z.string()),
  page: z.int(),
  text: z.string(),
  text_source: PageTextSource,
  /** Mean OCR confidence 0–100 when text_source is ocr. */
  ocr_confidence: z.number().nullable(),
});
export type PageRow = z.infer<typeof PageRow>;

/** A run of a chunk's text that comes from one page: chunk text [at, at + (end - start)) = page text [start, end). */
export const ChunkSpan = z.object({ page: z.int(), start: z.int(), end: z.int(), at: z.int() });
export type ChunkSpan = z.infer<typeof ChunkSpan>;

/** A retrievable passage, as stored in the `chunks` table. */
export const ChunkRow = z.object({
  chunk_id: z.string(),
  document_id: z.string(),
  tenant: z.string(),
  acl: z.array(z.string()),
  tags: z.array(z.string()),
  doc_type: z.string(),
  title: z.string(),
  /** Heading path, e.g. "12 Termination > 12.3 Termination for Convenience". */
  section: z.string(),
  ordinal: z.int(),
  /** The chunk is part of the contract's opening (title, parties, date), before the first numbered clause. */
  preamble: z.boolean(),
  text: z.string(),
  /** Title, section and text: what the full-text index sees. */
  search_text: z.string(),
  page_start: z.int(),
  page_end: z.int(),
  /** Offset of the chunk's first character in page_start's text. */
  char_start: z.int(),
  /** Offset just past the chunk's last character in page_end's text. */
  char_end: z.int(),
  /** JSON array of ChunkSpan: how chunk text maps back to pages. */
  spans: z.string(),
  token_count: z.int(),
  /** SHA-256 of the file the chunk came from. */
  content_sha256: z.string(),
  vector: z.array(z.number()).meta({ vector: true }),
});
export type ChunkRow = z.infer<typeof ChunkRow>;
