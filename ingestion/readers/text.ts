// Plain text and Markdown files, in whatever character set they were saved (see charset.ts).
import type { FileType } from "../../schemas/document.js";
import { decodeText } from "./charset.js";
import type { DocumentReader, ParsedDocument } from "./types.js";

/** Decode text in its own character set (a BOM is dropped); a form feed starts a new page, as printers and pdftotext use it. */
export function textPages(bytes: Uint8Array): ParsedDocument["pages"] {
  const text = decodeText(bytes).text.replace(/\r\n?/g, "\n");
  return text.split("\f").map((t, i) => ({ page: i + 1, text: t, source: "text-layer" as const }));
}

function textReader(type: FileType): DocumentReader {
  return {
    type,
    async read(bytes) {
      const pages = textPages(bytes);
      const heading = /^#\s+(.+)$/m.exec(pages[0]?.text ?? "");
      return { pages, title: type === "markdown" && heading ? heading[1]!.trim() : undefined };
    },
  };
}

/** Plain text files. */
export const plainTextReader = textReader("text");
/** Markdown files: kept as written; the chunker reads `#` headings as sections. */
export const markdownReader = textReader("markdown");
