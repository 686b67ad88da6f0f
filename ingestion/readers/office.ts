// Word, RTF, OpenDocument and PowerPoint files, laid out by LibreOffice (headless) as PDF and read as
// a PDF, so that a citation's page is the page Word prints. One conversion at a time per process,
// each with a private LibreOffice profile (concurrent soffice processes that share one collide), a
// time limit after which its process group is killed, and macros off. Where LibreOffice is missing
// or fails, the file is read without it (mammoth, content.xml, office-text.ts), its pages marked approximate.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DEFAULT_OFFICE_CONVERT_TIMEOUT_MS, DEFAULT_OFFICE_CONVERTER } from "../../schemas/config.js";
import type { FileType } from "../../schemas/document.js";
import { readDocText, readPptxText, readRtfText } from "./office-text.js";
import { readPdf } from "./pdf.js";
import { runTool, serialQueue, ToolError } from "./tools.js";
import type { DocumentReader, OfficeSettings, ParsedDocument, ReadLimits } from "./types.js";
import { inspectZip } from "./zip.js";

/** What converting a file to PDF gave. */
export type Conversion =
  | { status: "ok"; pdf: Uint8Array }
  /** LibreOffice is not installed (or OFFICE_CONVERTER names nothing). */
  | { status: "unavailable"; detail: string }
  /** It ran but made no PDF: a damaged file, or one that took too long. */
  | { status: "failed"; detail: string };

/** One conversion at a time in this process: LibreOffice takes a core and hundreds of MB. */
const oneAtATime = serialQueue();

/**
 * The profile every conversion starts from: no macros run, whatever the document asks, and nothing
 * it links to is fetched — without BlockUntrustedRefererLinks LibreOffice requests a picture linked
 * from a web address while it lays the page out (a tracking pixel, or a request into the network).
 */
const HARDENED_PROFILE = `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
</oor:items>
`;

async function convertIn(
  dir: string,
  bytes: Uint8Array,
  ext: string,
  settings: OfficeSettings,
): Promise<Conversion> {
  const input = join(dir, `document.${ext}`);
  const outDir = join(dir, "out");
  const profile = join(dir, "profile");
  await mkdir(join(profile, "user"), { recursive: true });
  await mkdir(outDir);
  await writeFile(join(profile, "user", "registrymodifications.xcu"), HARDENED_PROFILE);
  await writeFile(input, bytes);
  const args = ["--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck"].concat([
    `-env:UserInstallation=${pathToFileURL(profile).href}`,
    "--convert-to",
    "pdf",
    "--outdir",
    outDir,
    input,
  ]);
  try {
    // HOME in the temporary folder too: nothing of a conversion outlives it.
    await runTool(settings.converter, args, {
      timeoutMs: settings.timeoutMs,
      env: { ...process.env, HOME: dir },
    });
  } catch (error) {
    if (error instanceof ToolError && error.reason === "missing") {
      return { status: "unavailable", detail: `${settings.converter} is not installed` };
    }
    const detail = error instanceof ToolError ? error.message : String(error);
    return { status: "failed", detail: `LibreOffice could not convert it (${detail})` };
  }
  try {
    return { status: "ok", pdf: new Uint8Array(await readFile(join(outDir, "document.pdf"))) };
  } catch {
    return { status: "failed", detail: "LibreOffice could not open it (it made no PDF)" };
  }
}

/** Lay an office file out as PDF with LibreOffice, in a temporary folder that is always removed. */
export function convertToPdf(bytes: Uint8Array, ext: string, settings: OfficeSettings): Promise<Conversion> {
  return oneAtATime(async () => {
    const dir = await mkdtemp(join(tmpdir(), "cited-office-"));
    try {
      return await convertIn(dir, bytes, ext, settings);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

/** The LibreOffice settings to use: the configured ones, or the defaults. */
export function officeSettings(limits: ReadLimits): OfficeSettings {
  return (
    limits.office ?? { converter: DEFAULT_OFFICE_CONVERTER, timeoutMs: DEFAULT_OFFICE_CONVERT_TIMEOUT_MS }
  );
}

/** How an office format is read. */
interface OfficeFormat {
  type: FileType;
  /** Extension LibreOffice recognises the file by. */
  ext: string;
  /** Name in messages. */
  label: string;
  /** Debian package with the LibreOffice part that reads it. */
  package: string;
  /** ZIP-based formats are checked for decompression bombs before anything opens them. */
  zip?: "DOCX" | "ODT" | "PPTX";
  /** Reads the file without LibreOffice (no page layout). */
  fallback: (bytes: Uint8Array, limits: ReadLimits) => Promise<ParsedDocument>;
}

function approximateNote(format: OfficeFormat, why: string): string {
  return `pages: approximate — this ${format.label} file was read without its page layout because ${why}, so its page numbers are not those it prints; install ${format.package} (or fix OFFICE_CONVERTER) and upload it again for printed page numbers`;
}

/**
 * A reader for one office format: LibreOffice → PDF → the PDF reader (its pages, OCR for embedded
 * scans, its bookmarks as sections). Without a PDF, the fallback reader, with a note that says why
 * and what to install.
 */
export function officeReader(format: OfficeFormat): DocumentReader {
  return {
    type: format.type,
    async read(bytes, limits) {
      // Before LibreOffice (or a fallback) unpacks anything: they trust the sizes the archive claims.
      if (format.zip) inspectZip(bytes, format.zip, limits);
      const conversion = await convertToPdf(bytes, format.ext, officeSettings(limits));
      if (conversion.status === "ok") {
        const parsed = await readPdf(conversion.pdf, limits);
        return { ...parsed, pageNumbers: "as-printed" };
      }
      const why =
        conversion.status === "unavailable"
          ? `LibreOffice is not available on this server (${conversion.detail})`
          : conversion.detail;
      const parsed = await format.fallback(bytes, limits);
      return {
        ...parsed,
        pageNumbers: "approximate",
        warnings: [approximateNote(format, why), ...(parsed.warnings ?? [])],
      };
    },
  };
}

/** Word 97–2003 documents (.doc). */
export const docReader = officeReader({
  type: "doc",
  ext: "doc",
  label: "Word 97–2003 (.doc)",
  package: "libreoffice-writer-nogui",
  fallback: readDocText,
});

/** Rich Text Format documents (.rtf). */
export const rtfReader = officeReader({
  type: "rtf",
  ext: "rtf",
  label: "RTF",
  package: "libreoffice-writer-nogui",
  fallback: readRtfText,
});

/** PowerPoint presentations (.pptx): a page per slide, as LibreOffice prints them. */
export const pptxReader = officeReader({
  type: "pptx",
  ext: "pptx",
  label: "PowerPoint (.pptx)",
  package: "libreoffice-impress-nogui",
  zip: "PPTX",
  fallback: async (bytes, limits) => readPptxText(bytes, limits),
});
