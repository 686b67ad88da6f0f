/** Why a file cannot be ingested, as a stable code (API, reports, tests). */
export type IngestErrorCode =
  | "empty_file"
  | "unsupported_type"
  | "type_mismatch"
  | "pdf_invalid"
  | "pdf_encrypted"
  | "too_many_pages"
  | "too_large"
  | "archive_bomb"
  | "no_text"
  | "unreadable"
  | "bad_encoding"
  | "file_missing";

/**
 * A file that will never ingest as it is: retrying cannot help. `message` tells the user, in plain
 * words, what is wrong and what to do about it; it never carries paths or stack traces.
 */
export class PermanentIngestError extends Error {
  override name = "PermanentIngestError";
  constructor(
    readonly code: IngestErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Messages for the common failures, so every reader words them the same way. */
export const ingestErrors = {
  empty: () =>
    new PermanentIngestError(
      "empty_file",
      "the file is empty (0 bytes): upload the file again with its content",
    ),
  encrypted: () =>
    new PermanentIngestError(
      "pdf_encrypted",
      "encrypted PDF: it needs a password to open; upload a copy saved without a password",
    ),
  invalidPdf: (detail: string) =>
    new PermanentIngestError(
      "pdf_invalid",
      `not a readable PDF (${detail}): the file is damaged or truncated; export or download it again`,
    ),
  tooManyPages: (pages: number, max: number) =>
    new PermanentIngestError(
      "too_many_pages",
      `the document has ${pages.toLocaleString("en")} pages, more than the limit of ${max.toLocaleString("en")}: split it into smaller files`,
    ),
  noText: () =>
    new PermanentIngestError(
      "no_text",
      "no text could be read from the file (a scan without a text layer, or an empty document): run OCR on it or upload a text version",
    ),
  damaged: (format: string, detail: string) =>
    new PermanentIngestError(
      "unreadable",
      `not a readable ${format} file (${detail}): it is damaged or truncated; save it again from the program that made it and upload that copy`,
    ),
  missing: () =>
    new PermanentIngestError("file_missing", "the stored copy of the file is gone: upload the file again"),
};
