// Office files for tests that only LibreOffice writes (.doc, .rtf, .odt from a generated DOCX; .pptx
// from a flat OpenDocument presentation written here), converted by soffice in a throw-away profile.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Convert `bytes` (a file with extension `from`) to the format `to` names (e.g. "doc", "rtf", "odt", "pptx"). */
export async function convertWithLibreOffice(bytes: Uint8Array, from: string, to: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "cited-lo-fixture-"));
  try {
    await writeFile(join(dir, `in.${from}`), bytes);
    await run(
      "soffice",
      [
        "--headless",
        "--norestore",
        `-env:UserInstallation=${pathToFileURL(join(dir, "profile")).href}`,
      ].concat(["--convert-to", to, "--outdir", dir, join(dir, `in.${from}`)]),
      { timeout: 120_000, env: { ...process.env, HOME: dir } },
    );
    return await readFile(join(dir, `in.${to}`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A flat OpenDocument presentation (.fodp): one slide per entry, its paragraphs in one text box. */
export function flatPresentation(slides: string[][]): Uint8Array {
  const pages = slides
    .map(
      (paragraphs, i) =>
        `<draw:page draw:name="page${i + 1}"><draw:frame svg:x="2cm" svg:y="2cm" svg:width="20cm" svg:height="10cm"><draw:text-box>${paragraphs
          .map((p) => `<text:p>${escapeXml(p)}</text:p>`)
          .join("")}</draw:text-box></draw:frame></draw:page>`,
    )
    .join("");
  return new TextEncoder().encode(
    `<?xml version="1.0" encoding="UTF-8"?><office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.presentation"><office:body><office:presentation>${pages}</office:presentation></office:body></office:document>`,
  );
}
