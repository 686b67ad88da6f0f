// The data path of one file: read bytes → detect type → parse pages → chunk → embed → write.
import { createHash } from "node:crypto";
import type { ChunkRow, DocumentRow, FileType, PageRow } from "../schemas/document.js";
import { type OpenOptions, openRegularFile, UnsafeFileError } from "../src/lib/open-file.js";
import type { Embedder } from "../src/models/embedder.js";
import type { DocumentPatch, DocumentRepository } from "../src/store/documents.js";
import type { Originals } from "../src/store/originals.js";
import { chunkPages } from "./chunking/chunker.js";
import { documentTitle } from "./chunking/title.js";
import { detectFileType } from "./detect.js";
import { ingestErrors, PermanentIngestError } from "./errors.js";
import { type ParsedDocument, type ReadLimits, readerFor } from "./readers/index.js";

/** Stages of the pipeline, as reported in job progress and benchmark timings. */
export type IngestStage = "read" | "parse" | "chunk" | "embed" | "write";

/** Progress of one file: the stage it is in and, while embedding, how many chunks are done. */
export interface IngestProgress {
  stage: IngestStage;
  done?: number;
  total?: number;
}

/** Chunk sizes from the one size setting (CHUNK_TOKENS): a chunk under a fifth of it merges onward. */
export function chunkingFor(targetTokens: number): IngestDeps["chunking"] {
  return { targetTokens, minTokens: Math.round(targetTokens / 5) };
}

/** What the pipeline needs from the process it runs in. */
export interface IngestDeps {
  documents: DocumentRepository;
  embedder: Embedder;
  limits: ReadLimits & {
    /** Largest file accepted, in bytes. */
    maxBytes: number;
  };
  chunking: {
    /** Size to aim for, in tokens. */
    targetTokens: number;
    /** Smallest chunk that stands alone at a heading. */
    minTokens: number;
  };
  /** Chunks embedded per batch (progress is reported after each). */
  embedBatch?: number;
  /** Where uploaded originals are kept (fetched here when on object storage); unset: files on this machine. */
  originals?: Pick<Originals, "localPath" | "release">;
}

/** What ingesting a file produced. */
export interface IngestResult {
  type: FileType;
  title: string;
  pages: number;
  chunks: number;
  /** Milliseconds spent in each stage. */
  timings: Record<IngestStage, number>;
  parsed: ParsedDocument;
  /** SHA-256 and size of the bytes that were read (the document's row is brought up to them). */
  sha256: string;
  size: number;
}

/**
 * What marks an ingested document ready: its status and what the pipeline found. The one home of
 * "ingest, then mark ready" — the ingest worker adds what only it records (notes, page numbering,
 * metadata, the bytes read); an evaluation store takes these alone.
 */
export function readyPatch(result: IngestResult) {
  return {
    status: "ready",
    type: result.type,
    title: result.title,
    pages: result.pages,
    chunks: result.chunks,
  } satisfies DocumentPatch;
}

/** Label of a contract's opening, so "who are the parties" or "what is the agreement date" finds it. */
export const PREAMBLE_LABEL = "Preamble: title of the agreement, the parties, the date";

/** The text the embedder and the full-text index see for a chunk: where it comes from, then the chunk. */
export function searchText(title: string, section: string, text: string, preamble = false): string {
  return [title, preamble ? PREAMBLE_LABEL : "", section, text].filter((s) => s.length > 0).join("\n");
}

const tooLarge = (size: number, max: number) =>
  new PermanentIngestError(
    "too_large",
    `the file is ${(size / 1e6).toFixed(1)} MB, over the limit of ${(max / 1e6).toFixed(1)} MB: split it or raise UPLOAD_MAX_BYTES`,
  );

/** Parse the document's file, fetched first when its copy is on object storage (and dropped after). */
async function readOriginal(doc: DocumentRow, deps: IngestDeps) {
  const path = await fetchOriginal(doc, deps);
  try {
    return await parseFile(path, doc.name, deps.limits, { realFolders: doc.source_id !== null });
  } finally {
    if (path !== doc.file_path) await deps.originals?.release(doc.file_path);
  }
}

/** A path on this machine holding the document's file; a copy gone from object storage is a missing file. */
async function fetchOriginal(doc: DocumentRow, deps: IngestDeps): Promise<string> {
  if (!deps.originals) return doc.file_path;
  try {
    return await deps.originals.localPath(doc.file_path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw ingestErrors.missing();
    throw error;
  }
}

/**
 * Read a file into pages: permanent problems (empty, wrong type, damaged, no text) throw
 * PermanentIngestError. The file is opened once, without following links (a share file swapped for a
 * link after planning, or reached through a linked folder, is refused), checked to be a regular file
 * within the size limit, and read from that descriptor.
 */
export async function parseFile(
  path: string,
  name: string,
  limits: IngestDeps["limits"],
  options: OpenOptions = {},
): Promise<{ type: FileType; parsed: ParsedDocument; bytes: Uint8Array }> {
  let bytes: Uint8Array;
  try {
    const { fh, stats } = await openRegularFile(path, options);
    try {
      if (stats.size > limits.maxBytes) throw tooLarge(stats.size, limits.maxBytes);
      bytes = await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw ingestErrors.missing();
    if (error instanceof UnsafeFileError) throw new PermanentIngestError("unreadable", error.message);
    throw error;
  }
  if (bytes.length > limits.maxBytes) throw tooLarge(bytes.length, limits.maxBytes);
  const type = detectFileType(bytes, name);
  const parsed = await readerFor(type).read(bytes, limits);
  return { type, parsed, bytes };
}

/**
 * Ingest one document end to end and replace whatever was stored for it before, in one commit per
 * table. Idempotent: chunk ids come from the document id, the content hash and the position, so a
 * second run writes the same rows over themselves.
 */
export async function ingestDocument(
  doc: DocumentRow,
  deps: IngestDeps,
  onProgress: (p: IngestProgress) => void = () => {},
): Promise<IngestResult> {
  const timings: Record<IngestStage, number> = { read: 0, parse: 0, chunk: 0, embed: 0, write: 0 };
  let t = performance.now();
  const lap = (stage: IngestStage) => {
    const now = performance.now();
    timings[stage] += now - t;
    t = now;
  };

  onProgress({ stage: "parse" });
  // A share file is read only at its real path; what was read is what the document's hash and chunks
  // describe (a file changed between planning and now is indexed as it is now).
  const { type, parsed, bytes } = await readOriginal(doc, deps);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  lap("parse");
  // Pages OCR could not read count as empty, whatever scrap of text layer they kept.
  if (parsed.pages.every((p) => p.source === "failed" || p.text.trim().length === 0)) {
    throw ingestErrors.noText();
  }
  const title = titleOf(type, parsed, doc.name);

  onProgress({ stage: "chunk" });
  const chunks = chunkDocument(parsed, type, title, deps);
  lap("chunk");
  const vectors = await embedChunks(chunks, title, deps, onProgress);
  lap("embed");

  onProgress({ stage: "write" });
  const found: Found = { type, title, sha256 };
  await deps.documents.replaceContent(
    doc.id,
    pageRowsOf(doc, parsed),
    chunkRowsOf(doc, found, chunks, vectors),
  );
  lap("write");
  return {
    type,
    title,
    pages: parsed.pages.length,
    chunks: chunks.length,
    timings,
    parsed,
    sha256,
    size: bytes.length,
  };
}

/** Passages of a document, as the chunker cuts them. */
type Chunks = ReturnType<typeof chunkPages>;

/** What reading a file found that every chunk row carries. */
interface Found {
  type: FileType;
  title: string;
  sha256: string;
}

/**
 * A document's title. An e-mail is known by its subject and a web page by its <title>; other
 * formats' metadata titles are often template leftovers.
 */
function titleOf(type: FileType, parsed: ParsedDocument, name: string): string {
  return (type === "eml" || type === "html") && parsed.title
    ? parsed.title
    : documentTitle(parsed.pages[0]?.text ?? "", name, parsed.title);
}

/** Cut the pages into passages sized for the embedder, each headed by the title and its section. */
function chunkDocument(parsed: ParsedDocument, type: FileType, title: string, deps: IngestDeps): Chunks {
  const { embedder } = deps;
  return chunkPages(parsed.pages, {
    countTokens: (text) => embedder.countTokens(text, "passage"),
    targetTokens: deps.chunking.targetTokens,
    minTokens: deps.chunking.minTokens,
    maxTokens: embedder.maxTokens,
    header: (section) => searchText(title, section, "", true),
    markdown: type === "markdown" || parsed.markdownHeadings === true,
    outline: parsed.outline,
  });
}

/** Embed the passages in batches, reporting progress after each. */
async function embedChunks(
  chunks: Chunks,
  title: string,
  deps: IngestDeps,
  onProgress: (p: IngestProgress) => void,
): Promise<Float32Array[]> {
  const batch = deps.embedBatch ?? 16;
  const vectors: Float32Array[] = [];
  for (let i = 0; i < chunks.length; i += batch) {
    onProgress({ stage: "embed", done: i, total: chunks.length });
    const slice = chunks.slice(i, i + batch);
    vectors.push(
      ...(await deps.embedder.embed(
        slice.map((c) => searchText(title, c.section, c.text, c.preamble)),
        "passage",
      )),
    );
  }
  onProgress({ stage: "embed", done: chunks.length, total: chunks.length });
  return vectors;
}

/** The stored text of each page, readable by the document's groups. */
function pageRowsOf(doc: DocumentRow, parsed: ParsedDocument): PageRow[] {
  return parsed.pages.map((p) => ({
    document_id: doc.id,
    tenant: doc.tenant,
    acl: doc.acl,
    page: p.page,
    text: p.text,
    text_source: p.source,
    ocr_confidence: p.ocrConfidence ?? null,
  }));
}

/** The stored passages with their vectors; ids from the document, the content hash and the position. */
function chunkRowsOf(doc: DocumentRow, found: Found, chunks: Chunks, vectors: Float32Array[]): ChunkRow[] {
  const { type, title, sha256 } = found;
  const hashPrefix = sha256.slice(0, 12);
  return chunks.map((c, i) => ({
    chunk_id: `${doc.id}:${hashPrefix}:${c.ordinal}`,
    document_id: doc.id,
    tenant: doc.tenant,
    acl: doc.acl,
    tags: doc.tags,
    doc_type: type,
    title,
    section: c.section,
    ordinal: c.ordinal,
    preamble: c.preamble,
    text: c.text,
    search_text: searchText(`${title} ${doc.name}`, c.section, c.text, c.preamble),
    page_start: c.pageStart,
    page_end: c.pageEnd,
    char_start: c.charStart,
    char_end: c.charEnd,
    spans: JSON.stringify(c.spans),
    token_count: c.tokens,
    content_sha256: sha256,
    vector: Array.from(vectors[i]!),
  }));
}
