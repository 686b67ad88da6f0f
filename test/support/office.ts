// Office files for tests that only LibreOffice writes (.doc, .rtf, .odt from a generated DOCX; .pptx
// from a flat OpenDocument presentation written here), converted by soffice in a throw-away profile.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { strToU8, zipSync } from "fflate";

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

/** An OpenDocument text whose paragraph shows a picture linked from `imageUrl` (not embedded in the file). */
export function odtWithLinkedImage(text: string, imageUrl: string): Uint8Array {
  const content = `<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2"><office:body><office:text><text:p>${escapeXml(text)}<draw:frame draw:name="picture" svg:width="2cm" svg:height="2cm" text:anchor-type="as-char"><draw:image xlink:href="${escapeXml(imageUrl)}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/></draw:frame></text:p></office:text></office:body></office:document-content>`;
  const manifest = `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`;
  return zipSync({
    mimetype: [strToU8("application/vnd.oasis.opendocument.text"), { level: 0 }],
    "content.xml": strToU8(content),
    "META-INF/manifest.xml": strToU8(manifest),
  });
}
