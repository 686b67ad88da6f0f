import type { FileType } from "../schemas/document.js";
import { ingestErrors, PermanentIngestError } from "./errors.js";

const ascii = (bytes: Uint8Array, start: number, end: number) =>
  Buffer.from(
    bytes.buffer,
    bytes.byteOffset + start,
    Math.max(0, Math.min(end, bytes.length) - start),
  ).toString("latin1");

function isUtf8Text(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 64 * 1024);
  if (sample.includes(0)) return false;
  try {
    // A sample may end inside a multi-byte character: drop up to 3 trailing bytes before decoding.
    const cut = sample.length === bytes.length ? sample : sample.subarray(0, sample.length - 3);
    new TextDecoder("utf-8", { fatal: true }).decode(cut);
    return true;
  } catch {
    return false;
  }
}

function extensionOf(name: string): string {
  const m = /\.([a-z0-9]+)$/i.exec(name);
  return m ? m[1]!.toLowerCase() : "";
}

const BINARY_EXTENSIONS: Record<string, FileType> = { pdf: "pdf", docx: "docx", xlsx: "xlsx" };

/**
 * The type of a file from its bytes (magic numbers); the name only tells text formats apart
 * (Markdown, CSV). A name that promises a binary format the bytes do not have is an error, so a
 * mislabelled file is reported as such instead of being indexed as something else.
 */
export function detectFileType(bytes: Uint8Array, name: string): FileType {
  if (bytes.length === 0) {
    throw ingestErrors.empty();
  }
  const ext = extensionOf(name);
  const head = ascii(bytes, 0, 1024);
  let detected: FileType | null = null;
  if (head.includes("%PDF-")) detected = "pdf";
  else if (head.startsWith("PK\u0003\u0004")) {
    const names = ascii(bytes, 0, Math.min(bytes.length, 4 * 1024 * 1024));
    if (names.includes("word/document.xml") || names.includes("word/_rels")) detected = "docx";
    else if (names.includes("xl/workbook.xml") || names.includes("xl/_rels")) detected = "xlsx";
  } else if (isUtf8Text(bytes)) {
    const start = new TextDecoder()
      .decode(bytes.subarray(0, 2048))
      .replace(/^\uFEFF/, "")
      .trimStart();
    if (
      /^(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])/i.test(start) ||
      ext === "html" ||
      ext === "htm"
    ) {
      detected = "html";
    } else if (
      ext === "eml" ||
      /^(received|return-path|from|message-id|mime-version|delivered-to):/im.test(start.slice(0, 200))
    ) {
      detected = /^[\w-]+:\s/.test(start) ? "eml" : "text";
    } else if (ext === "md" || ext === "markdown") detected = "markdown";
    else if (ext === "csv") detected = "csv";
    else detected = "text";
  }
  const promised = BINARY_EXTENSIONS[ext];
  if (promised && detected !== promised) {
    const what = detected
      ? `its content is ${detected === "text" ? "plain text" : detected.toUpperCase()}`
      : "its content is not a format Cited reads";
    throw new PermanentIngestError(
      "type_mismatch",
      `the file is named .${ext} but is not a ${promised.toUpperCase()} (${what}): upload the original ${promised.toUpperCase()} file`,
    );
  }
  if (!detected) {
    throw new PermanentIngestError(
      "unsupported_type",
      "unsupported file type: Cited reads PDF, DOCX, XLSX, HTML, e-mail (.eml), Markdown, CSV and plain text; convert the file to one of these",
    );
  }
  return detected;
}
