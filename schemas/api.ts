// Shapes of the HTTP API: requests are validated with these, responses are built to them, and the
// OpenAPI document (schemas/openapi.ts) is generated from them.
import { z } from "zod";
import { DocumentStatus, FileType, PageNumbers } from "./document.js";
import { IngestJobProgress, JobState } from "./jobs.js";
import { NAME_PATTERN } from "./names.js";

const id = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]+$/, "use only letters, digits and _ . : -");
const tag = z.string().min(1).max(64).regex(NAME_PATTERN, "tags use letters, digits, _ . -");

/** Error body of every 4xx/5xx: a stable code and a sentence that says what to fix. */
export const ErrorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .meta({ id: "Error" });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The query string of routes that take no query parameters: any parameter is refused. */
export const NoQuery = z.object({}).strict();

export const DocumentIdParams = z.object({ id }).strict();
export const JobIdParams = z.object({ id }).strict();

/** Multipart fields other than the files of an upload. */
export const UploadFields = z
  .object({
    /** Comma-separated, or the field repeated. */
    tags: z.union([z.string(), z.array(z.string())]).optional(),
    /** ACL groups that may read the documents (editors and admins only); comma-separated or repeated. */
    groups: z.union([z.string(), z.array(z.string())]).optional(),
  })
  .strict();

export const UploadedDocument = z
  .object({
    id: z.string(),
    name: z.string(),
    status: DocumentStatus,
    job_id: z.string().nullable(),
    /** Set when a document with the same content was already indexed: that one is reported instead. */
    duplicate_of: z.string().nullable(),
    /** Why the file was refused at once (empty, wrong type). */
    error: z.string().nullable(),
  })
  .meta({ id: "UploadedDocument" });
export const UploadResponse = z
  .object({ documents: z.array(UploadedDocument) })
  .meta({ id: "UploadResponse" });
export type UploadResponse = z.infer<typeof UploadResponse>;

export const DocumentView = z
  .object({
    id: z.string(),
    name: z.string(),
    title: z.string(),
    status: DocumentStatus,
    type: FileType.nullable(),
    tags: z.array(z.string()),
    pages: z.int().nullable(),
    chunks: z.int().nullable(),
    size_bytes: z.int(),
    sha256: z.string(),
    job_id: z.string().nullable(),
    source_id: z.string().nullable(),
    source_path: z.string().nullable(),
    parent_id: z.string().nullable(),
    /** "as-printed", or "approximate" when an office file was read without LibreOffice (see the README, Formats); null for formats without printed pages. */
    page_numbers: PageNumbers.nullable(),
    /** How the file was read, in plain words, where that matters: approximate pages, pages OCR could not read, attachments left out. */
    notes: z.array(z.string()),
    error: z.string().optional(),
    error_code: z.string().optional(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Document" });
export type DocumentView = z.infer<typeof DocumentView>;

export const DocumentListQuery = z
  .object({
    status: DocumentStatus.optional(),
    tag: tag.optional(),
    type: FileType.optional(),
    source_id: id.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

export const DocumentList = z
  .object({ items: z.array(DocumentView), total: z.int(), limit: z.int(), offset: z.int() })
  .meta({ id: "DocumentList" });
export type DocumentList = z.infer<typeof DocumentList>;

export const PageView = z
  .object({
    document_id: z.string(),
    page: z.int(),
    text: z.string(),
    text_source: z.string(),
    ocr_confidence: z.number().nullable(),
  })
  .meta({ id: "Page" });
export type PageView = z.infer<typeof PageView>;
export const ChunkView = z
  .object({
    chunk_id: z.string(),
    ordinal: z.int(),
    section: z.string(),
    text: z.string(),
    page_start: z.int(),
    page_end: z.int(),
    char_start: z.int(),
    char_end: z.int(),
    /** How the chunk text maps to page text: chunk [at, at + end - start) = page text [start, end). */
    spans: z.array(z.object({ page: z.int(), start: z.int(), end: z.int(), at: z.int() })),
    token_count: z.int(),
  })
  .meta({ id: "Chunk" });
export const ChunkList = z.object({ items: z.array(ChunkView) }).meta({ id: "ChunkList" });
export const PageParams = z.object({ id, page: z.coerce.number().int().min(1).max(1_000_000) }).strict();

export const JobView = z
  .object({
    id: z.string(),
    state: JobState,
    progress: IngestJobProgress.nullable(),
    attempts: z.int(),
    failed_reason: z.string().nullable(),
    document_id: z.string(),
  })
  .meta({ id: "Job" });
export type JobView = z.infer<typeof JobView>;

export const Health = z.object({ status: z.literal("ok") }).meta({ id: "Health" });
export const Readiness = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    checks: z.object({ redis: z.boolean(), store: z.boolean(), models: z.boolean() }),
  })
  .meta({ id: "Readiness" });

/** A worker's GET /healthz (its own port): "ok" (200) when Redis answers and the store opens, else which part failed (503). */
export const WorkerHealth = z
  .object({
    status: z.enum(["ok", "unhealthy"]),
    checks: z.object({ redis: z.boolean(), store: z.boolean() }),
  })
  .meta({ id: "WorkerHealth" });
export type WorkerHealth = z.infer<typeof WorkerHealth>;

/** A query or question has something to search for: at least one letter or digit. */
const hasWord = (s: string) => /[\p{L}\p{N}]/u.test(s);

/** Restrict retrieval to some documents; combined with the caller's access, never wider than it. */
export const SearchFilters = z
  .object({
    document_ids: z.array(id).max(1000).optional(),
    tags: z.array(tag).max(100).optional(),
    types: z.array(FileType).max(10).optional(),
  })
  .strict()
  .meta({ id: "SearchFilters" });
export type SearchFilters = z.infer<typeof SearchFilters>;

export const SearchRequest = z
  .object({
    query: z
      .string()
      .trim()
      .min(1, "query must not be empty")
      .max(2000)
      .refine(hasWord, "query must contain at least one letter or digit"),
    top_k: z.int().min(1).max(50).default(8),
    filters: SearchFilters.optional(),
  })
  .strict()
  .meta({ id: "SearchRequest" });
export type SearchRequest = z.infer<typeof SearchRequest>;

export const Passage = z
  .object({
    chunk_id: z.string(),
    document_id: z.string(),
    title: z.string(),
    section: z.string(),
    page_start: z.int(),
    page_end: z.int(),
    text: z.string(),
    score: z.number(),
  })
  .meta({ id: "Passage" });
export type Passage = z.infer<typeof Passage>;

export const SearchResponse = z
  .object({ passages: z.array(Passage), timings: z.object({ retrieval_ms: z.number() }) })
  .meta({ id: "SearchResponse" });
export type SearchResponse = z.infer<typeof SearchResponse>;

export const AskRequest = z
  .object({
    question: z
      .string()
      .trim()
      .min(1, "question must not be empty")
      .max(2000)
      .refine(hasWord, "question must contain at least one letter or digit"),
    top_k: z.int().min(1).max(12).default(6),
    filters: SearchFilters.optional(),
    stream: z.boolean().default(false),
  })
  .strict()
  .meta({ id: "AskRequest" });
export type AskRequest = z.infer<typeof AskRequest>;

/** A quote proven to stand on a page: `quote` is page text [char_start, char_end). */
export const Citation = z
  .object({
    n: z.int(),
    /** The retrieved passage the quote was found in. */
    chunk_id: z.string(),
    document_id: z.string(),
    title: z.string(),
    /** The heading path of the clause the quote is in ("8. Termination > 8.2"); "" when none. */
    section: z.string().default(""),
    page: z.int(),
    quote: z.string(),
    char_start: z.int(),
    char_end: z.int(),
    verified: z.literal(true),
  })
  .meta({ id: "Citation" });
export type Citation = z.infer<typeof Citation>;

export const AnswerSentence = z
  .object({ text: z.string(), citations: z.array(z.int()) })
  .meta({ id: "AnswerSentence" });
export type AnswerSentence = z.infer<typeof AnswerSentence>;

/** Why an answer was declined: nothing to search, no passage sentence matches the question, no quote
 * could be verified, or the judge found the cited words beside the point. */
export const AbstainReason = z
  .enum(["no_passages", "not_in_passages", "unverified", "low_support"])
  .meta({ id: "AbstainReason" });
export type AbstainReason = z.infer<typeof AbstainReason>;

export const AskResponse = z
  .object({
    /** The sentences joined, each followed by its [n] markers. */
    answer: z.string(),
    sentences: z.array(AnswerSentence),
    citations: z.array(Citation),
    abstained: z.boolean(),
    /** Why the answer was declined; null when it was not. */
    abstain_reason: AbstainReason.nullable(),
    /** Sentences the model wrote that had no verified citation: dropped, counted here. */
    dropped_sentences: z.int(),
    /** Judged probability (0–1) that the cited words answer the question; null when not judged. */
    support: z.number().nullable(),
    passages: z.array(Passage),
    model: z.string(),
    prompt_version: z.string(),
    timings: z.object({
      retrieval_ms: z.number(),
      queue_ms: z.number(),
      time_to_first_token_ms: z.number().nullable(),
      generation_ms: z.number(),
      support_ms: z.number(),
      total_ms: z.number(),
    }),
  })
  .meta({ id: "AskResponse" });
export type AskResponse = z.infer<typeof AskResponse>;

/** What a key may do: readers search and ask; editors also upload, delete and sync; admins also manage keys and see every group of their tenant. */
export const KeyRole = z.enum(["reader", "editor", "admin"]).meta({ id: "KeyRole" });
const keyName = z.string().min(1).max(64).regex(NAME_PATTERN, "use letters, digits, _ . - (at most 64)");

export const KeyIdParams = z
  .object({ id: z.string().regex(/^[0-9a-f]{12}$/, "a key id is 12 hex digits (see GET /v1/keys)") })
  .strict();

/** A new key for the caller's own tenant (admins only). */
export const KeyCreateRequest = z
  .object({
    role: KeyRole,
    groups: z.array(keyName).max(100).default([]),
    label: z.string().max(200).default(""),
  })
  .strict()
  .meta({ id: "KeyCreateRequest" });

/**
 * A key's row in LanceDB (`api_keys`): revoked rather than deleted, so the audit trail keeps meaning.
 * The role is an inline copy of KeyRole (a named schema has no Arrow type).
 */
export const KeyRow = z.object({
  /** 12 hex digits, the middle of `cited_<id>_<secret>`. */
  id: z.string(),
  /** SHA-256 of the secret part; the secret itself is never stored. */
  hash: z.string(),
  tenant: z.string(),
  groups: z.array(z.string()),
  role: z.enum(KeyRole.options),
  label: z.string(),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
});
export type KeyRow = z.infer<typeof KeyRow>;

/** A key as listed: everything but its hash. */
export const KeyView = KeyRow.omit({ hash: true }).extend({ role: KeyRole }).meta({ id: "Key" });
export const KeyList = z.object({ items: z.array(KeyView) }).meta({ id: "KeyList" });
/** The secret is in `key`, shown this once. */
export const KeyCreated = z.object({ key: z.string(), info: KeyView }).meta({ id: "KeyCreated" });
