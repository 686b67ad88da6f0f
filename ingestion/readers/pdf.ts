import { PDFParse } from "pdf-parse";
import { ingestErrors, PermanentIngestError } from "../errors.js";
import type { DocumentReader, ParsedDocument, ReadLimits } from "./types.js";

function translate(error: unknown): Error {
  const name = (error as Error)?.name ?? "";
  if (error instanceof PermanentIngestError) return error;
  if (name === "PasswordException") return ingestErrors.encrypted();
  if (name === "InvalidPDFException" || name === "FormatError") {
    return ingestErrors.invalidPdf((error as Error).message.replace(/\s+/g, " ").slice(0, 80));
  }
  return error as Error;
}

/** PDF text, page by page, through pdf-parse (pdf.js). Pages without a text layer come back empty. */
export const pdfReader: DocumentReader = {
  type: "pdf",
  async read(bytes: Uint8Array, limits: ReadLimits): Promise<ParsedDocument> {
    // pdf-parse takes over the buffer it is given: hand it a copy.
    const parser = new PDFParse({ data: new Uint8Array(bytes), isEvalSupported: false, stopAtErrors: false });
    try {
      const info = await parser.getInfo();
      if (info.total > limits.maxPages) throw ingestErrors.tooManyPages(info.total, limits.maxPages);
      const result = await parser.getText({ lineEnforce: true });
      const title = (info.info as { Title?: unknown } | undefined)?.Title;
      return {
        pages: result.pages.map((p) => ({ page: p.num, text: p.text, source: "text-layer" as const })),
        title: typeof title === "string" && title.trim() ? title.trim() : undefined,
      };
    } catch (error) {
      throw translate(error);
    } finally {
      await parser.destroy().catch(() => undefined);
    }
  },
};
