// Scans for tests: a text PDF's page rendered to a PNG (or pages to a TIFF) with poppler's pdftoppm, then
// (for PDFs) placed as a full-page image in a new PDF (no text layer), the way a scanner writes one.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import PDFDocument from "pdfkit";

const run = promisify(execFile);

/** Render one page (1-based) of a PDF to PNG bytes. */
export async function renderPage(pdf: Uint8Array, page: number, dpi = 200): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "cited-scan-"));
  try {
    await writeFile(join(dir, "in.pdf"), pdf);
    const n = String(page);
    await run("pdftoppm", [
      "-r",
      String(dpi),
      "-f",
      n,
      "-l",
      n,
      "-png",
      "-singlefile",
      join(dir, "in.pdf"),
      join(dir, "out"),
    ]);
    return await readFile(join(dir, "out.png"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A page of a test PDF: text written with a text layer, or a picture filling the page. */
export type ScanPage = { text: string[] } | { image: Buffer };

/** A Letter-size PDF of these pages; image pages have no text layer at all. */
export function scannedPdf(pages: ScanPage[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      autoFirstPage: false,
      size: "LETTER",
      margins: { top: 72, bottom: 72, left: 72, right: 72 },
    });
    const chunks: Buffer[] = [];
    doc.on("data", (c: Buffer) => chunks.push(c));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
    for (const page of pages) {
      doc.addPage();
      if ("image" in page) doc.image(page.image, 0, 0, { width: 612, height: 792 });
      else for (const p of page.text) doc.fontSize(12).text(p).moveDown(0.5);
    }
    doc.end();
  });
}

/** A multi-page TIFF scan of a PDF: each page rendered by pdftoppm (grey, 200 dpi), joined by libtiff's tiffcp. */
export async function tiffScan(pdf: Uint8Array, dpi = 200): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "cited-tiff-"));
  try {
    await writeFile(join(dir, "in.pdf"), pdf);
    await run("pdftoppm", [
      "-r",
      String(dpi),
      "-gray",
      "-tiff",
      "-tiffcompression",
      "lzw",
      join(dir, "in.pdf"),
      join(dir, "page"),
    ]);
    const pages = (await readdir(dir)).filter((n) => n.startsWith("page") && n.endsWith(".tif")).sort();
    await run("tiffcp", [...pages.map((p) => join(dir, p)), join(dir, "out.tif")]);
    return await readFile(join(dir, "out.tif"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
