// The reader of each file type.
import type { FileType } from "../../schemas/document.js";
import { PermanentIngestError } from "../errors.js";
import { csvReader } from "./csv.js";
import { docxReader } from "./docx.js";
import { emlReader } from "./eml.js";
import { htmlReader } from "./html.js";
import { jpegReader, pngReader, tiffReader } from "./images.js";
import { msgReader } from "./msg.js";
import { odtReader } from "./odt.js";
import { docReader, pptxReader, rtfReader } from "./office.js";
import { pdfReader } from "./pdf.js";
import { markdownReader, plainTextReader } from "./text.js";
import type { DocumentReader } from "./types.js";
import { xlsxReader } from "./xlsx.js";

export type { DocumentReader, ParsedDocument, ParsedPage, ReadLimits } from "./types.js";

const READERS = new Map<FileType, DocumentReader>(
  [
    pdfReader,
    plainTextReader,
    markdownReader,
    docxReader,
    docReader,
    rtfReader,
    odtReader,
    pptxReader,
    htmlReader,
    emlReader,
    msgReader,
    csvReader,
    xlsxReader,
    tiffReader,
    pngReader,
    jpegReader,
  ].map((r) => [r.type, r]),
);

/** The reader of a file type; a type without a reader is a permanent failure. */
export function readerFor(type: FileType): DocumentReader {
  const reader = READERS.get(type);
  if (!reader) {
    throw new PermanentIngestError(
      "unsupported_type",
      `${type.toUpperCase()} files are recognised but not read yet: convert the file to PDF or plain text`,
    );
  }
  return reader;
}
