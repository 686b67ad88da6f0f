// OpenDocument text (.odt): laid out by LibreOffice (office.ts), or read from its content.xml without layout.
import { ingestErrors } from "../errors.js";
import { scanMarkup } from "./markup.js";
import { officeReader } from "./office.js";
import type { DocumentReader, ParsedDocument, ReadLimits } from "./types.js";
import { inspectZip } from "./zip.js";

const CONTENT = "content.xml";

/**
 * The text of an OpenDocument content.xml: paragraphs become lines, headings (`text:h`, with their
 * outline level) `#` lines; tabs, spaces and line breaks written as elements are kept.
 */
export function odtText(xml: string): string {
  const lines: string[] = [];
  let line = "";
  let depth = 0;
  const end = () => {
    if (line.trim()) lines.push(line.trim());
    line = "";
  };
  scanMarkup(xml, "xml", {
    open(name, attributes) {
      if (name === "h" || name === "p") {
        if (depth++ === 0) end();
        if (name === "h") {
          const level = Number(attributes.get("text:outline-level") ?? 1);
          line = `${"#".repeat(Math.min(6, Math.max(1, level || 1)))} `;
        }
      } else if (name === "tab") line += "\t";
      else if (name === "s") line += " ".repeat(Math.min(100, Number(attributes.get("text:c") ?? 1) || 1));
      else if (name === "line-break") line += " ";
    },
    close(name) {
      if ((name === "h" || name === "p") && --depth === 0) end();
    },
    text(text) {
      if (depth > 0) line += text;
    },
  });
  end();
  return lines.filter((l) => !/^#+$/.test(l)).join("\n");
}

/** An OpenDocument text without LibreOffice: its content.xml as one page, headings as sections. */
export async function readOdtText(bytes: Uint8Array, limits: ReadLimits): Promise<ParsedDocument> {
  const parts = inspectZip(bytes, "ODT", limits, (name) => name === CONTENT);
  const content = parts.get(CONTENT);
  if (!content) throw ingestErrors.damaged("ODT", "it has no content.xml");
  const text = odtText(new TextDecoder().decode(content));
  return { pages: [{ page: 1, text, source: "text-layer" }], markdownHeadings: true };
}

/** OpenDocument text files (.odt). */
export const odtReader: DocumentReader = officeReader({
  type: "odt",
  ext: "odt",
  label: "OpenDocument (.odt)",
  package: "libreoffice-writer-nogui",
  zip: "ODT",
  fallback: readOdtText,
});
