// File type detection from a file's bytes (magic numbers and container contents); the name only
// tells text formats apart and breaks the rare tie between OLE2 formats.
import type { FileType } from "../schemas/document.js";
import { ingestErrors, PermanentIngestError } from "./errors.js";
import { decodeText, looksLikeTextBytes } from "./readers/charset.js";

const ascii = (bytes: Uint8Array, start: number, end: number) =>
  Buffer.from(
    bytes.buffer,
    bytes.byteOffset + start,
    Math.max(0, Math.min(end, bytes.length) - start),
  ).toString("latin1");

function extensionOf(name: string): string {
  const m = /\.([a-z0-9]+)$/i.exec(name);
  return m ? m[1]!.toLowerCase() : "";
}

/** What the formats Cited reads are called in messages. */
export const FORMAT_NAMES =
  "PDF, Word (.docx, .doc), RTF, OpenDocument text (.odt), PowerPoint (.pptx), Excel (.xlsx), HTML, e-mail (.eml, .msg), TIFF, PNG and JPEG scans, Markdown, CSV and plain text";

/** Extensions that promise a binary format: a file named so must be one. */
const BINARY_EXTENSIONS: Record<string, FileType> = {
  pdf: "pdf",
  docx: "docx",
  xlsx: "xlsx",
  doc: "doc",
  rtf: "rtf",
  odt: "odt",
  pptx: "pptx",
  msg: "msg",
  tif: "tiff",
  tiff: "tiff",
  png: "png",
  jpg: "jpeg",
  jpeg: "jpeg",
};

const OLE2_MAGIC = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";
/** Other Office 97–2003 files, which Cited does not read: their main stream, and what to save them as. */
const OLE2_OTHERS: [string, string][] = [
  ["Workbook", "an Excel 97–2003 workbook (.xls): save it as .xlsx"],
  ["PowerPoint Document", "a PowerPoint 97–2003 presentation (.ppt): save it as .pptx or PDF"],
];

/**
 * Names in the first sector of an OLE2 file's directory (the root's first streams and storages, in
 * practice all of the top level), or null when that sector is past the bytes at hand.
 */
function oleDirectoryNames(bytes: Uint8Array): string[] | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sectorSize = 1 << view.getUint16(0x1e, true);
  const start = (view.getUint32(0x30, true) + 1) * sectorSize;
  if (sectorSize < 512 || sectorSize > 4096 || start + sectorSize > bytes.length) return null;
  const names: string[] = [];
  for (let at = start; at < start + sectorSize; at += 128) {
    const length = Math.min(64, view.getUint16(at + 64, true));
    if (length >= 2) names.push(Buffer.from(bytes.subarray(at, at + length - 2)).toString("utf16le"));
  }
  return names;
}

/**
 * An OLE2 compound file is a Word 97–2003 document (a "WordDocument" stream) or an Outlook message
 * (MAPI property streams "__substg1.0_…"), told by the names in its directory. When the directory
 * lies past the bytes at hand (the first 4 MB at upload), a .doc or .msg name decides: the streams
 * of a message's attachments (a Word file among them) could mislead a search of the raw bytes.
 */
function ole2Type(bytes: Uint8Array, ext: string): FileType {
  let names = oleDirectoryNames(bytes);
  if (!names && (ext === "doc" || ext === "msg")) return ext;
  // Without the directory, and without a telling name: the names as they appear among the bytes.
  names ??= ["WordDocument", "__substg1.0_", ...OLE2_OTHERS.map(([n]) => n)].filter((n) =>
    ascii(bytes, 0, bytes.length).includes(Buffer.from(n, "utf16le").toString("latin1")),
  );
  if (names.includes("WordDocument")) return "doc";
  if (names.some((n) => n.startsWith("__substg1.0_") || n === "__properties_version1.0")) return "msg";
  const other = OLE2_OTHERS.find(([stream]) => names.includes(stream));
  throw new PermanentIngestError(
    "unsupported_type",
    other
      ? `the file is ${other[1]}, then upload it again`
      : `the file is an Office 97–2003 file Cited does not read: save it as PDF or a current Office format (Cited reads ${FORMAT_NAMES})`,
  );
}

/** The type of a ZIP-based document from the names of its parts (local headers are never compressed). */
function zipType(bytes: Uint8Array): FileType | null {
  const names = ascii(bytes, 0, Math.min(bytes.length, 4 * 1024 * 1024));
  if (names.includes("word/document.xml") || names.includes("word/_rels")) return "docx";
  if (names.includes("xl/workbook.xml") || names.includes("xl/_rels")) return "xlsx";
  if (names.includes("ppt/presentation.xml") || names.includes("ppt/_rels")) return "pptx";
  // OpenDocument stores its media type first and uncompressed: "mimetype" then the type itself.
  if (
    names.startsWith("mimetype", 30) &&
    names.slice(38, 200).includes("application/vnd.oasis.opendocument.text")
  )
    return "odt";
  return null;
}

/** Image scans by their magic numbers. */
function imageType(head: string): FileType | null {
  if (head.startsWith("II*\x00") || head.startsWith("MM\x00*")) return "tiff";
  if (head.startsWith("\x89PNG\r\n\x1a\n")) return "png";
  if (head.startsWith("\xff\xd8\xff")) return "jpeg";
  return null;
}

/** Text formats, told apart by how they start and by the file name. */
function textType(bytes: Uint8Array, ext: string): FileType | null {
  if (!looksLikeTextBytes(bytes)) return null;
  let start: string;
  try {
    // Only how the text starts matters here (a character cut at the sample's end does no harm);
    // whether the whole file decodes is the reader's question.
    start = decodeText(bytes.subarray(0, 4096))
      .text.replace(/^\uFEFF/, "")
      .trimStart();
  } catch {
    return "text";
  }
  if (/^(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])/i.test(start) || ext === "html" || ext === "htm")
    return "html";
  if (
    ext === "eml" ||
    /^(received|return-path|from|message-id|mime-version|delivered-to):/im.test(start.slice(0, 200))
  ) {
    return /^[\w-]+:\s/.test(start) ? "eml" : "text";
  }
  if (ext === "md" || ext === "markdown") return "markdown";
  if (ext === "csv") return "csv";
  return "text";
}

/** The type the bytes say, or null for none Cited reads. */
function sniff(bytes: Uint8Array, ext: string): FileType | null {
  const head = ascii(bytes, 0, 1024);
  if (head.includes("%PDF-")) return "pdf";
  if (head.startsWith("PK\u0003\u0004")) return zipType(bytes);
  if (head.startsWith(OLE2_MAGIC)) return ole2Type(bytes, ext);
  if (head.startsWith("{\\rtf")) return "rtf";
  return imageType(head) ?? textType(bytes, ext);
}

/**
 * The type of a file from its bytes (magic numbers); the name only tells text formats apart
 * (Markdown, CSV) and Word from Outlook files whose directory is out of reach. A name that
 * promises a binary format the bytes do not have is an error, so a mislabelled file is reported
 * as such instead of being indexed as something else.
 */
export function detectFileType(bytes: Uint8Array, name: string): FileType {
  if (bytes.length === 0) {
    throw ingestErrors.empty();
  }
  const ext = extensionOf(name);
  const detected = sniff(bytes, ext);
  const promised = BINARY_EXTENSIONS[ext];
  if (promised && detected !== promised) {
    const label = promised.toUpperCase();
    const what = detected
      ? `its content is ${detected === "text" ? "plain text" : detected.toUpperCase()}`
      : "its content is not a format Cited reads";
    throw new PermanentIngestError(
      "type_mismatch",
      `the file is named .${ext} but is not a ${label} (${what}): upload the original ${label} file`,
    );
  }
  if (!detected) {
    throw new PermanentIngestError(
      "unsupported_type",
      `unsupported file type: Cited reads ${FORMAT_NAMES}; convert the file to one of these`,
    );
  }
  return detected;
}
