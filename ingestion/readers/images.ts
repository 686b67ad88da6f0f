// Image scans (TIFF with one or many pages, PNG, JPEG): OCR page by page, as scanned PDF pages are.
// Sizes are read from the file's own headers first, so a page count over MAX_PAGES or a picture too
// large to read is refused before any tool decodes it; TIFF pages are split with libtiff's tiffsplit.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FileType } from "../../schemas/document.js";
import { ingestErrors } from "../errors.js";
import { type OcrResult, ocrEach, ocrImage } from "./ocr.js";
import { applyOcr } from "./pdf.js";
import { runTool, ToolError } from "./tools.js";
import type { DocumentReader, ParsedDocument, ParsedPage, ReadLimits } from "./types.js";

/** Largest page OCR reads, in pixels (an A0 sheet at 250 dpi): bounds Tesseract's memory. */
export const MAX_IMAGE_PIXELS = 100_000_000;
const SPLIT_TIMEOUT_MS = 120_000;

/** Width and height of one page, 0 when the file does not say. */
interface PageSize {
  width: number;
  height: number;
}

/**
 * The pages of a TIFF from its chain of image directories (IFDs): their sizes, in order. A chain
 * that loops or points outside the file is damage.
 */
export function tiffPages(bytes: Uint8Array): PageSize[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = bytes[0] === 0x49;
  const u16 = (at: number) => view.getUint16(at, le);
  const u32 = (at: number) => view.getUint32(at, le);
  if (u16(2) !== 42) throw ingestErrors.damaged("TIFF", "BigTIFF or an unknown TIFF variant");
  const pages: PageSize[] = [];
  const seen = new Set<number>();
  for (let ifd = u32(4); ifd !== 0; ) {
    if (seen.has(ifd) || ifd + 2 > bytes.length)
      throw ingestErrors.damaged("TIFF", "its page list is broken");
    seen.add(ifd);
    const count = u16(ifd);
    if (ifd + 2 + 12 * count + 4 > bytes.length)
      throw ingestErrors.damaged("TIFF", "a page entry is cut short");
    const size: PageSize = { width: 0, height: 0 };
    for (let i = 0; i < count; i++) {
      const at = ifd + 2 + 12 * i;
      const tag = u16(at);
      if (tag !== 256 && tag !== 257) continue;
      // SHORT (3) or LONG (4), stored in the entry itself.
      const value = u16(at + 2) === 3 ? u16(at + 8) : u32(at + 8);
      if (tag === 256) size.width = value;
      else size.height = value;
    }
    pages.push(size);
    ifd = u32(ifd + 2 + 12 * count);
  }
  return pages;
}

/** Width and height from a PNG's IHDR or a JPEG's start-of-frame marker. */
export function imageSize(bytes: Uint8Array, type: "png" | "jpeg"): PageSize {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type === "png") {
    return bytes.length >= 24
      ? { width: view.getUint32(16), height: view.getUint32(20) }
      : { width: 0, height: 0 };
  }
  for (let at = 2; at + 9 < bytes.length; ) {
    if (bytes[at] !== 0xff) break;
    const marker = bytes[at + 1]!;
    // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
    }
    at += 2 + view.getUint16(at + 2);
  }
  return { width: 0, height: 0 };
}

const tooLargeToRead = (size: PageSize): OcrResult | null =>
  size.width * size.height > MAX_IMAGE_PIXELS
    ? {
        status: "failed",
        detail: `the picture is ${size.width} × ${size.height} pixels, more than the ${MAX_IMAGE_PIXELS / 1e6} million OCR reads; scan it again at 300 dpi`,
      }
    : null;

/** The page files of a TIFF, one per page, split by tiffsplit into `dir`; null when tiffsplit is missing. */
async function splitTiff(file: string, dir: string): Promise<string[] | null> {
  try {
    await runTool("tiffsplit", [file, join(dir, "page-")], { timeoutMs: SPLIT_TIMEOUT_MS });
  } catch (error) {
    if (error instanceof ToolError && error.reason === "missing") return null;
    throw ingestErrors.damaged("TIFF", `its pages could not be split: ${(error as Error).message}`);
  }
  return (await readdir(dir))
    .filter((n) => n.startsWith("page-"))
    .sort()
    .map((n) => join(dir, n));
}

/** OCR of each page image; `files` null means the tool to split pages is missing. */
async function readPages(
  files: string[] | null,
  sizes: readonly PageSize[],
  limits: ReadLimits,
): Promise<ParsedDocument> {
  const blank: ParsedPage[] = sizes.map((_, i) => ({ page: i + 1, text: "", source: "failed" }));
  const numbers = blank.map((p) => p.page);
  const results = await ocrEach(numbers, async (page): Promise<OcrResult> => {
    if (!files)
      return { status: "unavailable", detail: "tiffsplit is not installed (Debian package libtiff-tools)" };
    const file = files[page - 1];
    if (!file) return { status: "failed", detail: "the page could not be split from the file" };
    return tooLargeToRead(sizes[page - 1]!) ?? ocrImage(file, limits.ocrLanguages);
  });
  const { pages, warnings } = applyOcr(blank, results);
  return { pages, pageNumbers: "as-printed", ...(warnings.length > 0 ? { warnings } : {}) };
}

function imageReader(type: "tiff" | "png" | "jpeg"): DocumentReader {
  return {
    type: type satisfies FileType,
    async read(bytes, limits) {
      const sizes = type === "tiff" ? tiffPages(bytes) : [imageSize(bytes, type)];
      if (sizes.length === 0) throw ingestErrors.damaged("TIFF", "it has no pages");
      if (sizes.length > limits.maxPages) throw ingestErrors.tooManyPages(sizes.length, limits.maxPages);
      const dir = await mkdtemp(join(tmpdir(), "cited-image-"));
      try {
        const file = join(dir, `scan.${type}`);
        await writeFile(file, bytes);
        const files = type === "tiff" && sizes.length > 1 ? await splitTiff(file, dir) : [file];
        return await readPages(files, sizes, limits);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** TIFF scans, one page per image directory. */
export const tiffReader = imageReader("tiff");
/** PNG scans (one page). */
export const pngReader = imageReader("png");
/** JPEG scans (one page). */
export const jpegReader = imageReader("jpeg");
