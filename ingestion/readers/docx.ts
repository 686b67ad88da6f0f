// Word documents (.docx): laid out by LibreOffice (office.ts), or read by mammoth without layout.
import mammoth from "mammoth";
import { ingestErrors, PermanentIngestError } from "../errors.js";
import { htmlToText } from "./html.js";
import { scanMarkup } from "./markup.js";
import { officeReader } from "./office.js";
import type { DocumentReader, ParsedDocument, ReadLimits } from "./types.js";
import { inspectZip } from "./zip.js";

const CORE = "docProps/core.xml";

/** Word's own title and subtitle styles are headings too (mammoth maps Heading 1–6 already), by name or id. */
const STYLE_MAP = [
  "p[style-name='Title'] => h1:fresh",
  "p.Title => h1:fresh",
  "p[style-name='Subtitle'] => h2:fresh",
  "p.Subtitle => h2:fresh",
];

/** The title in the document properties (docProps/core.xml, `<dc:title>`), if set. */
export function coreTitle(xml: Uint8Array | undefined): string | undefined {
  if (!xml) return undefined;
  let inTitle = false;
  let title = "";
  scanMarkup(new TextDecoder().decode(xml), "xml", {
    open: (name) => {
      inTitle = name === "title";
    },
    close: () => {
      inTitle = false;
    },
    text: (text) => {
      if (inTitle) title += text;
    },
  });
  return title.replace(/\s+/g, " ").trim() || undefined;
}

/**
 * A Word document through mammoth, without LibreOffice: paragraphs become lines and headings `#`
 * lines. A DOCX has no pages of its own (Word lays them out when it renders), so the whole text is
 * page 1: page numbers that only counted explicit page breaks would point people to the wrong page.
 */
export async function readDocxText(bytes: Uint8Array, limits: ReadLimits): Promise<ParsedDocument> {
  // Before mammoth (JSZip) unpacks anything: it trusts the sizes the archive claims.
  const parts = inspectZip(bytes, "DOCX", limits, (name) => name === CORE);
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      {
        styleMap: STYLE_MAP,
        // Images are not text: skip reading them instead of inlining them as data URIs.
        convertImage: mammoth.images.imgElement(async () => ({ src: "" })),
      },
    );
    html = result.value;
  } catch (error) {
    if (error instanceof PermanentIngestError) throw error;
    throw ingestErrors.damaged("DOCX", (error as Error).message.replace(/\s+/g, " ").slice(0, 80));
  }
  const { text } = htmlToText(html);
  return {
    pages: [{ page: 1, text, source: "text-layer" }],
    title: coreTitle(parts.get(CORE)),
    markdownHeadings: true,
  };
}

/** Word documents (.docx), cited by the pages LibreOffice lays out; mammoth's text where it is missing. */
export const docxReader: DocumentReader = officeReader({
  type: "docx",
  ext: "docx",
  label: "Word (.docx)",
  package: "libreoffice-writer-nogui",
  zip: "DOCX",
  fallback: readDocxText,
});
