// Shapes of contract review: templates (fields to fill per document), review requests, the cells a
// review fills (each value backed by verified quotes) and the review as the API shows it.
import { z } from "zod";
import { Citation } from "./api.js";

const id = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]+$/, "use only letters, digits and _ . : -");

/** What a field's value is: the quote itself, or a value normalised from it. */
export const ValueType = z
  .enum(["clause", "yes_no", "date", "duration", "money", "party", "text"])
  .meta({ id: "ReviewValueType" });
export type ValueType = z.infer<typeof ValueType>;

/** One column of a review: what to look for in every document. */
export const TemplateField = z
  .object({
    /** Column name, unique in the template. */
    name: z.string().trim().min(1, "a field needs a name").max(80),
    /** The question asked of each document. */
    question: z.string().trim().min(3, "a field needs a question").max(500),
    /** What counts as an answer, in a lawyer's words (helps retrieval and the reader). */
    description: z.string().trim().max(1000).default(""),
    /** How the value is normalised; `clause` shows the quote itself. */
    type: ValueType.default("clause"),
    /** Share of contracts that hold such a clause (0…1, e.g. from CUAD): a rare clause needs more support to be found. */
    prevalence: z
      .number()
      .gt(0, "prevalence is a share of contracts above 0")
      .lt(1, "prevalence is a share of contracts below 1")
      .optional(),
  })
  .strict();
export type TemplateField = z.infer<typeof TemplateField>;

/** `fields`: a table of clauses per document; `summary`: a cited summary of each document. */
export const TemplateKind = z.enum(["fields", "summary"]);

/** A review template, as shipped or as a user writes it (JSON or YAML). */
export const ReviewTemplate = z
  .object({
    /** Template name, used in requests (`template: "cuad"`). */
    name: z.string().regex(/^[a-z0-9_-]{1,64}$/, "a template name uses a-z, 0-9, _ and - (at most 64)"),
    /** What the template is for. */
    description: z.string().max(1000).default(""),
    kind: TemplateKind.default("fields"),
    /** Where the fields come from and under which licence, when they are someone else's. */
    attribution: z.string().max(1000).optional(),
    fields: z
      .array(TemplateField)
      .min(1, "a template needs at least one field")
      .max(100)
      .refine((fs) => new Set(fs.map((f) => f.name.toLowerCase())).size === fs.length, {
        message: "field names must be unique",
      }),
  })
  .strict()
  .meta({ id: "ReviewTemplate" });
export type ReviewTemplate = z.infer<typeof ReviewTemplate>;
export type ReviewTemplateInput = z.input<typeof ReviewTemplate>;

/** Start a review: a shipped template by name or one given inline, over documents the caller may read. */
export const ReviewRequest = z
  .object({
    /** A shipped template's name, or a template itself (ReviewTemplate; checked field by field). */
    template: z.union([z.string().min(1).max(64), z.record(z.string(), z.unknown())]),
    document_ids: z.array(id).min(1).max(500).optional(),
    source_id: id.optional(),
    tags: z.array(z.string().min(1).max(64)).min(1).max(100).optional(),
  })
  .strict()
  .refine((r) => [r.document_ids, r.source_id, r.tags].filter((x) => x !== undefined).length === 1, {
    message: "give exactly one of document_ids, source_id or tags",
  })
  .meta({ id: "ReviewRequest" });
export type ReviewRequest = z.infer<typeof ReviewRequest>;

export const CellStatus = z.enum(["found", "not_found", "uncertain"]).meta({ id: "CellStatus" });
export type CellStatus = z.infer<typeof CellStatus>;

/**
 * A normalised value: ISO date (its year, or year and month, where the contract leaves the rest blank),
 * ISO 8601 duration, amount and currency, yes/no, or words.
 */
export const CellValue = z
  .union([
    z.object({ kind: z.literal("date"), iso: z.string() }),
    z.object({ kind: z.literal("duration"), iso: z.string() }),
    z.object({ kind: z.literal("money"), amount: z.number(), currency: z.string() }),
    z.object({ kind: z.literal("yes_no"), yes: z.boolean() }),
    z.object({ kind: z.literal("text"), text: z.string() }),
  ])
  .meta({ id: "CellValue" });
export type CellValue = z.infer<typeof CellValue>;

/** What was searched for a field: a `not_found` is a claim too. */
export const CellSearch = z.object({
  /** Query sent to retrieval. */
  query: z.string(),
  /** Passages looked at (chunk ids). */
  passages: z.array(z.string()),
  /** Sentences weighed as candidate clauses. */
  candidates: z.int(),
});
export type CellSearch = z.infer<typeof CellSearch>;

/** One document × one field. */
export const ReviewCell = z
  .object({
    document_id: z.string(),
    field: z.string(),
    status: CellStatus,
    /** Normalised value; null when not found, or when the quote does not state a typed value. */
    value: CellValue.nullable(),
    /** Verified quotes, exactly as /v1/ask citations; empty unless found or uncertain. */
    citations: z.array(Citation),
    /** Judged probability (0–1) that the quote is the asked clause; null when not judged. */
    support: z.number().nullable(),
    searched: CellSearch,
    /** Why the cell is uncertain or not found, in words. */
    note: z.string(),
  })
  .meta({ id: "ReviewCell" });
export type ReviewCell = z.infer<typeof ReviewCell>;

export const ReviewState = z
  .enum(["queued", "running", "completed", "cancelled", "failed"])
  .meta({ id: "ReviewState" });
export type ReviewState = z.infer<typeof ReviewState>;

/** A review's row in LanceDB (`reviews`): who may read it and what it covers. */
export const ReviewRow = z.object({
  id: z.string(),
  tenant: z.string(),
  /** Groups of the caller who started it: readers of the review see only documents they may read anyway. */
  acl: z.array(z.string()),
  template: z.string(),
  /** The template as JSON (a review keeps the fields it was started with). */
  template_json: z.string(),
  document_ids: z.array(z.string()),
  state: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ReviewRow = z.infer<typeof ReviewRow>;

/** A cell's row in LanceDB (`review_cells`): one per review, document and field. */
export const CellRow = z.object({
  /** `<review id>:<document id>:<field index>`. */
  id: z.string(),
  review_id: z.string(),
  document_id: z.string(),
  tenant: z.string(),
  /** The document's ACL, so a reader of the review sees only cells of documents they may read. */
  acl: z.array(z.string()),
  field: z.string(),
  /** The cell as JSON (ReviewCell). */
  cell_json: z.string(),
  duration_ms: z.float64(),
});
export type CellRow = z.infer<typeof CellRow>;

export const ReviewIdParams = z.object({ id }).strict();
export const ExportQuery = z.object({ format: z.enum(["csv", "xlsx"]).default("csv") }).strict();

export const ReviewCounts = z.object({
  documents: z.int(),
  /** Documents whose every field is filled. */
  documents_done: z.int(),
  cells: z.int(),
  found: z.int(),
  not_found: z.int(),
  uncertain: z.int(),
});

/** A review as the API shows it: state, counts, the table (rows of documents the caller may read). */
export const ReviewView = z
  .object({
    id: z.string(),
    template: z.string(),
    state: ReviewState,
    fields: z.array(TemplateField),
    counts: ReviewCounts,
    rows: z.array(
      z.object({
        document_id: z.string(),
        title: z.string(),
        cells: z.array(ReviewCell),
        /** Fields filled so far (live progress while the review runs). */
        fields_done: z.int(),
        /** Time spent on the document so far, in milliseconds. */
        duration_ms: z.number(),
      }),
    ),
    created_at: z.string(),
  })
  .meta({ id: "Review" });
export type ReviewView = z.infer<typeof ReviewView>;

export const ReviewCreated = z
  .object({ id: z.string(), state: ReviewState, documents: z.int(), template: z.string() })
  .meta({ id: "ReviewCreated" });

/** Fill one cell of a review again, optionally asking its field's question in other words. */
export const CellRerunRequest = z
  .object({
    /** The document (row) of the cell. */
    document_id: z.string().min(1).max(100),
    /** The field (column) of the cell, by name. */
    field: z.string().min(1).max(80),
    /** The field's question in other words, for this cell only (the template stays as it is). */
    question: z.string().trim().min(3, "a question needs a few words").max(500).optional(),
  })
  .strict()
  .meta({ id: "CellRerunRequest" });
export type CellRerunRequest = z.infer<typeof CellRerunRequest>;

export const CellRerunQueued = z
  .object({ review_id: z.string(), document_id: z.string(), field: z.string(), state: z.literal("queued") })
  .meta({ id: "CellRerunQueued" });

/** Payload of a review job: one document of a review (the parent job has no document), or one cell of it. */
export const ReviewJobData = z.object({
  review_id: z.string(),
  document_id: z.string().nullable(),
  tenant: z.string(),
  /** Set on a re-run of one cell: its field, and the question asked instead of the template's. */
  cell: z.object({ field: z.string(), question: z.string().optional() }).optional(),
});
export type ReviewJobData = z.infer<typeof ReviewJobData>;

/** A cited summary of a document: every sentence a verified quote, numbered like /v1/ask citations. */
export const DocumentSummary = z
  .object({
    document_id: z.string(),
    /** The document version (content hash) the summary was made from. */
    sha256: z.string(),
    sentences: z.array(z.object({ topic: z.string(), text: z.string(), citations: z.array(z.int()) })),
    citations: z.array(Citation),
    /** Topics for which a sentence was proposed, and how many of those were kept after verification. */
    proposed: z.int(),
    kept: z.int(),
    /** Pages the summary cites, in order. */
    pages_covered: z.array(z.int()),
    /** Served from the cache of this document version. */
    cached: z.boolean(),
    created_at: z.string(),
  })
  .meta({ id: "DocumentSummary" });
export type DocumentSummary = z.infer<typeof DocumentSummary>;

/** A cached summary's row in LanceDB (`summaries`): one per document, replaced when the document changes. */
export const SummaryRow = z.object({
  document_id: z.string(),
  sha256: z.string(),
  tenant: z.string(),
  acl: z.array(z.string()),
  /** DocumentSummary as JSON. */
  summary_json: z.string(),
});
export type SummaryRow = z.infer<typeof SummaryRow>;
