// OCR of scanned pages with the command-line tools of poppler (pdftoppm renders a PDF page) and
// Tesseract (reads a page image). They run as child processes without a shell, one page at a time
// per process: Tesseract at 300 dpi is CPU-bound for seconds, and the embedder and the chat model
// share the same cores.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_OCR_LANGUAGES } from "../../schemas/config.js";
import { runTool, serialQueue, ToolError } from "./tools.js";

/** What OCR made of one page. */
export type OcrResult =
  | { status: "ok"; text: string /** Mean word confidence, 0–100. */; confidence: number }
  /** OCR ran and found no words. */
  | { status: "empty" }
  /** A tool or a language is not installed: no page of this process can be read. */
  | { status: "unavailable"; detail: string }
  /** This page could not be rendered or read (damaged page, timeout). */
  | { status: "failed"; detail: string };

const RESOLUTION = 300;
/** Crop of the rendered page, in pixels (20 inches at 300 dpi): bounds memory for poster-sized pages. */
const MAX_PIXELS = 6000;
const RENDER_TIMEOUT_MS = 60_000;
const READ_TIMEOUT_MS = 120_000;

/** One OCR at a time in this process. */
const oneAtATime = serialQueue();

// Tesseract would start a thread per core; the models need them more. Read at each run: PATH may change.
const toolEnv = () => ({ ...process.env, OMP_THREAD_LIMIT: "1" });

const TESSERACT_MISSING = "tesseract is not installed (Debian packages tesseract-ocr, tesseract-ocr-eng)";

let installedLanguages: Promise<Set<string>> | null = null;

/**
 * The languages Tesseract has data for (`tesseract --list-langs`), or null when it is not
 * installed. A list found is kept for the process; a failure is asked again next time.
 */
function tesseractLanguages(): Promise<Set<string> | null> {
  installedLanguages ??= runTool("tesseract", ["--list-langs"], { timeoutMs: 30_000, env: toolEnv() }).then(
    (out) =>
      new Set(
        out
          .split("\n")
          .slice(1)
          .map((l) => l.trim())
          .filter(Boolean),
      ),
  );
  return installedLanguages.catch((error: unknown) => {
    installedLanguages = null;
    if (error instanceof ToolError && error.reason === "missing") return null;
    throw error;
  });
}

/**
 * What stops OCR in `languages` (e.g. "eng+spa") on this machine, in plain words, or null when
 * nothing does. Tesseract itself silently skips a language it has no data for.
 */
export async function ocrLanguagesProblem(languages: string): Promise<string | null> {
  const installed = await tesseractLanguages();
  if (!installed) return TESSERACT_MISSING;
  const missing = languages.split("+").filter((l) => !installed.has(l));
  if (missing.length === 0) return null;
  return `Tesseract has no data for the OCR language${missing.length > 1 ? "s" : ""} ${missing.join(", ")} named by OCR_LANGUAGES=${languages}: install ${missing.map((l) => `tesseract-ocr-${l.replace(/_/g, "-").toLowerCase()}`).join(" ")}, or leave ${missing.length > 1 ? "them" : "it"} out of OCR_LANGUAGES`;
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

const describe = (error: unknown) =>
  error instanceof ToolError ? error.message : String((error as Error)?.message ?? error).slice(0, 120);

/** Frequent short words of the languages a page can be recognised in. */
const STOPWORDS: Record<string, ReadonlySet<string>> = {
  eng: new Set("the of and to in that is for with as by this shall be or any on are not".split(" ")),
  spa: new Set("el la los las de del que y en por con para se una un al lo su sus como".split(" ")),
  fra: new Set("le la les de des du et en que pour par une un au est dans sur".split(" ")),
  deu: new Set("der die das und zu den von mit ist des im für auf nicht ein eine".split(" ")),
  por: new Set("o a os as de do da dos das e que em para com uma um no na".split(" ")),
  ita: new Set("il la le di del della e che in per con una un lo gli alla".split(" ")),
};

/**
 * The configured language a page's words mostly belong to, by its frequent short words; null when
 * none is recognisable. Tesseract weighs the first language of "eng+spa" most: Spanish read with
 * English first loses its accents ("podra", "dias").
 */
export function dominantLanguage(text: string, languages: readonly string[]): string | null {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  let best: string | null = null;
  let bestCount = 0;
  for (const language of languages) {
    const stop = STOPWORDS[language];
    if (!stop) continue;
    const count = words.filter((w) => stop.has(w)).length;
    if (count > bestCount) [best, bestCount] = [language, count];
  }
  return bestCount >= 3 ? best : null;
}

async function tesseract(image: string, languages: string): Promise<OcrResult> {
  const tsv = await runTool("tesseract", [image, "stdout", "-l", languages, "tsv"], {
    timeoutMs: READ_TIMEOUT_MS,
    env: toolEnv(),
  });
  const { text, confidence, words } = textFromTsv(tsv);
  return words > 0 ? { status: "ok", text, confidence } : { status: "empty" };
}

/**
 * OCR one page image (PNG, JPEG, one-page TIFF) in `languages`. A page whose words are mostly in
 * another of the languages than the first is read again with that one first.
 */
export async function ocrImage(image: string, languages = DEFAULT_OCR_LANGUAGES): Promise<OcrResult> {
  const problem = await ocrLanguagesProblem(languages).catch(() => null);
  if (problem) return { status: "unavailable", detail: problem };
  try {
    const first = await tesseract(image, languages);
    const list = languages.split("+");
    const main = first.status === "ok" ? dominantLanguage(first.text, list) : null;
    if (!main || main === list[0]) return first;
    const again = await tesseract(image, [main, ...list.filter((l) => l !== main)].join("+"));
    return again.status === "ok" ? again : first;
  } catch (error) {
    if (error instanceof ToolError && error.reason === "missing") {
      return { status: "unavailable", detail: TESSERACT_MISSING };
    }
    return { status: "failed", detail: `reading failed: ${describe(error)}` };
  }
}

async function ocrPage(dir: string, pdf: string, page: number, languages: string): Promise<OcrResult> {
  const base = join(dir, `page-${page}`);
  try {
    const n = String(page);
    await runTool(
      "pdftoppm",
      ["-r", String(RESOLUTION), "-f", n, "-l", n, "-W", String(MAX_PIXELS), "-H", String(MAX_PIXELS)].concat(
        ["-png", "-singlefile", pdf, base],
      ),
      { timeoutMs: RENDER_TIMEOUT_MS, env: toolEnv() },
    );
  } catch (error) {
    if (error instanceof ToolError && error.reason === "missing") {
      return { status: "unavailable", detail: "pdftoppm is not installed (Debian package poppler-utils)" };
    }
    return { status: "failed", detail: `rendering failed: ${describe(error)}` };
  }
  try {
    return await ocrImage(`${base}.png`, languages);
  } finally {
    await rm(`${base}.png`, { force: true });
  }
}

/**
 * Run `read` on each page in order, one page at a time in this process. Stops at the first page
 * that finds a tool or language missing: the rest are "unavailable" too.
 */
export async function ocrEach(
  pages: readonly number[],
  read: (page: number) => Promise<OcrResult>,
): Promise<Map<number, OcrResult>> {
  const results = new Map<number, OcrResult>();
  for (const page of pages) {
    const result = await oneAtATime(() => read(page));
    results.set(page, result);
    if (result.status === "unavailable") {
      for (const rest of pages) if (!results.has(rest)) results.set(rest, result);
      break;
    }
  }
  return results;
}

/** OCR some pages of a PDF (1-based page numbers), in a temporary folder that is always removed. */
export async function ocrPdfPages(
  pdf: Uint8Array,
  pages: readonly number[],
  languages = DEFAULT_OCR_LANGUAGES,
): Promise<Map<number, OcrResult>> {
  if (pages.length === 0) return new Map();
  const dir = await mkdtemp(join(tmpdir(), "cited-ocr-"));
  try {
    const file = join(dir, "document.pdf");
    await writeFile(file, pdf);
    return await ocrEach(pages, (page) => ocrPage(dir, file, page, languages));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
