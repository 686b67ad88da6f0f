// OCR of scanned PDF pages with the command-line tools of poppler (pdftoppm renders a page) and
// Tesseract (reads it). They run as child processes without a shell, one page at a time per
// process: Tesseract at 300 dpi is CPU-bound for seconds, and the embedder and the chat model
// share the same cores.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What OCR made of one page. */
export type OcrResult =
  | { status: "ok"; text: string /** Mean word confidence, 0–100. */; confidence: number }
  /** OCR ran and found no words. */
  | { status: "empty" }
  /** A tool is not installed: no page of this process can be read. */
  | { status: "unavailable"; detail: string }
  /** This page could not be rendered or read (damaged page, timeout). */
  | { status: "failed"; detail: string };

const RESOLUTION = 300;
/** Crop of the rendered page, in pixels (20 inches at 300 dpi): bounds memory for poster-sized pages. */
const MAX_PIXELS = 6000;
const RENDER_TIMEOUT_MS = 60_000;
const READ_TIMEOUT_MS = 120_000;

let queue: Promise<unknown> = Promise.resolve();

/** Run `task` after every task queued before it: one OCR at a time in this process. */
function oneAtATime<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

function run(file: string, args: string[], timeout: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        timeout,
        killSignal: "SIGKILL",
        maxBuffer: 64 * 1024 * 1024,
        // Tesseract would start a thread per core; the models need them more.
        env: { ...process.env, OMP_THREAD_LIMIT: "1" },
      },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

/**
 * Page text from Tesseract's TSV output: words (level 5) with a confidence ≥ 0, joined into their
 * lines, lines of a paragraph by "\n", paragraphs by a blank line. Returns the mean confidence too.
 */
export function textFromTsv(tsv: string): { text: string; confidence: number; words: number } {
  const paragraphs: string[][] = [];
  let paragraphKey = "";
  let lineKey = "";
  let sum = 0;
  let words = 0;
  for (const row of tsv.split("\n").slice(1)) {
    const cols = row.split("\t");
    if (cols[0] !== "5" || cols.length < 12) continue;
    const confidence = Number(cols[10]);
    const word = cols.slice(11).join("\t").trim();
    if (!(confidence >= 0) || word.length === 0) continue;
    const para = `${cols[1]}.${cols[2]}.${cols[3]}`;
    const line = `${para}.${cols[4]}`;
    if (para !== paragraphKey) paragraphs.push([]);
    const lines = paragraphs.at(-1)!;
    if (line !== lineKey || para !== paragraphKey) lines.push(word);
    else lines[lines.length - 1] += ` ${word}`;
    paragraphKey = para;
    lineKey = line;
    sum += confidence;
    words++;
  }
  return {
    text: paragraphs.map((p) => p.join("\n")).join("\n\n"),
    confidence: words > 0 ? Math.round((sum / words) * 10) / 10 : 0,
    words,
  };
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { killed?: boolean; stderr?: string };
  if (e.killed) return "it took too long";
  return (e.message ?? String(error)).split("\n")[0]!.slice(0, 120);
}

async function ocrPage(dir: string, pdf: string, page: number): Promise<OcrResult> {
  const base = join(dir, `page-${page}`);
  try {
    const n = String(page);
    await run(
      "pdftoppm",
      ["-r", String(RESOLUTION), "-f", n, "-l", n, "-W", String(MAX_PIXELS), "-H", String(MAX_PIXELS)].concat(
        ["-png", "-singlefile", pdf, base],
      ),
      RENDER_TIMEOUT_MS,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { status: "unavailable", detail: "pdftoppm is not installed (Debian package poppler-utils)" };
    }
    return { status: "failed", detail: `rendering failed: ${describe(error)}` };
  }
  try {
    const tsv = await run("tesseract", [`${base}.png`, "stdout", "-l", "eng", "tsv"], READ_TIMEOUT_MS);
    const { text, confidence, words } = textFromTsv(tsv);
    return words > 0 ? { status: "ok", text, confidence } : { status: "empty" };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return {
        status: "unavailable",
        detail: "tesseract is not installed (Debian packages tesseract-ocr, tesseract-ocr-eng)",
      };
    }
    return { status: "failed", detail: `reading failed: ${describe(error)}` };
  } finally {
    await rm(`${base}.png`, { force: true });
  }
}

/**
 * OCR some pages of a PDF (1-based page numbers), in order, in a temporary folder that is always
 * removed. Stops at the first page that finds a tool missing: the rest are "unavailable" too.
 */
export async function ocrPdfPages(
  pdf: Uint8Array,
  pages: readonly number[],
): Promise<Map<number, OcrResult>> {
  const results = new Map<number, OcrResult>();
  if (pages.length === 0) return results;
  const dir = await mkdtemp(join(tmpdir(), "cited-ocr-"));
  try {
    const file = join(dir, "document.pdf");
    await writeFile(file, pdf);
    for (const page of pages) {
      const result = await oneAtATime(() => ocrPage(dir, file, page));
      results.set(page, result);
      if (result.status === "unavailable") {
        for (const rest of pages) if (!results.has(rest)) results.set(rest, result);
        break;
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}
