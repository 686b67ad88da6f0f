// Sources: server folders (document shares) whose files Cited keeps in sync with the index. The row
// stored in LanceDB, the shapes of the sync jobs, and the HTTP shapes of /v1/sources.
import { z } from "zod";
import { DocumentStatus, FileType, PageTextSource } from "./document.js";
import { NAME_PATTERN } from "./names.js";

const isoTime = z.iso.datetime();

/** Where a sync run is: queued → planning (walking the folder) → running (files ingesting) → done, or failed / interrupted. */
export const SyncState = z.enum(["queued", "planning", "running", "done", "failed", "interrupted"]);
export type SyncState = z.infer<typeof SyncState>;
/** States after which a sync changes nothing any more. */
export const FINISHED_SYNC_STATES: readonly SyncState[] = ["done", "failed", "interrupted"];

/**
 * Every file a sync finds (`discovered`) ends in exactly one of `done` (indexed, or renamed without
 * reading it again), `skipped` (unchanged, or not a format Cited reads) or `failed`; `queued` is how
 * many are still waiting for a worker. When the sync is done, done + skipped + failed = discovered.
 */
export const SyncCounts = z
  .object({
    discovered: z.int(),
    queued: z.int(),
    done: z.int(),
    skipped: z.int(),
    failed: z.int(),
  })
  .meta({ id: "SyncCounts" });
export type SyncCounts = z.infer<typeof SyncCounts>;

/** What the sync found changed, compared with the index. */
export const SyncChanges = z
  .object({
    new: z.int(),
    changed: z.int(),
    renamed: z.int(),
    deleted: z.int(),
    unchanged: z.int(),
    /** Documents left queued by an interrupted run (a crash, a Redis restart), queued again. */
    requeued: z.int(),
  })
  .meta({ id: "SyncChanges" });
export type SyncChanges = z.infer<typeof SyncChanges>;

export const SyncSummary = z
  .object({
    id: z.string(),
    state: SyncState,
    counts: SyncCounts,
    changes: SyncChanges.nullable(),
    started_at: isoTime,
    finished_at: isoTime.nullable(),
    /** Why the sync failed (e.g. the folder is gone); null otherwise. */
    error: z.string().nullable(),
  })
  .meta({ id: "SyncSummary" });
export type SyncSummary = z.infer<typeof SyncSummary>;

/** A file (or folder) of the tree that is not a document: skipped on purpose, or that could not be read. */
export const SyncIssue = z
  .object({
    /** Path relative to the source folder, `/`-separated. */
    path: z.string(),
    status: z.enum(["skipped", "failed"]),
    /** Stable code: unsupported_type, link, link_outside_root, broken_link, not_a_file, unreadable, unreadable_folder, too_large. */
    code: z.string(),
    reason: z.string(),
    /** Size and modification time when the decision was made, so an unchanged file is not read again. */
    size_bytes: z.int().nullable(),
    mtime_ms: z.number().nullable(),
  })
  .meta({ id: "SyncIssue" });
export type SyncIssue = z.infer<typeof SyncIssue>;

/** A source as stored in the `sources` table. */
export const SourceRow = z.object({
  id: z.string(),
  tenant: z.string(),
  acl: z.array(z.string()),
  tags: z.array(z.string()),
  /** Absolute path of the folder on the server (as registered). */
  path: z.string(),
  /**
   * The folder's real path (links resolved) when it was registered: a sync whose folder now resolves
   * elsewhere is refused. Null in stores made before it existed (recorded at their next sync).
   */
  real_path: z.string().nullable(),
  /** Real path of the SOURCE_ROOTS folder it was registered under; null when the operator registered it (CLI, OPEN_MODE). */
  root: z.string().nullable(),
  include: z.array(z.string()),
  exclude: z.array(z.string()),
  created_at: isoTime,
  updated_at: isoTime,
  /** JSON of the last SyncSummary, or null before the first sync. */
  last_sync: z.string().nullable(),
  /** JSON array of SyncIssue found by the last sync's walk. */
  issues: z.string(),
});
export type SourceRow = z.infer<typeof SourceRow>;

/** Payload of the sync queue's jobs: `plan-sync` walks the folder, `finish-sync` (the flow's parent) closes the run. */
export const SyncJobData = z.object({
  source_id: z.string(),
  sync_id: z.string(),
  /** Remove documents even past SYNC_MAX_DELETE_RATIO, or when the folder is empty. */
  allow_mass_delete: z.boolean().optional(),
});
export type SyncJobData = z.infer<typeof SyncJobData>;

// HTTP shapes -------------------------------------------------------------------------------------

const id = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]+$/, "use only letters, digits and _ . : -");
const name = z.string().regex(NAME_PATTERN, "use letters, digits, _ . - (1 to 64 of them)");
const glob = z.string().min(1, "a pattern must not be empty").max(500);

export const SourceIdParams = z.object({ id }).strict();

export const CreateSourceRequest = z
  .object({
    /** Absolute path of a folder the server can read. */
    path: z.string().min(1, "path must not be empty").max(4096),
    /** Glob patterns (relative to the folder, case-insensitive); only matching files are synced. Empty: every file. */
    include: z.array(glob).max(100).optional(),
    /** Glob patterns of files and folders to leave out. */
    exclude: z.array(glob).max(100).optional(),
    tags: z.array(name).max(100).optional(),
    /** ACL groups that may read the documents (editors may name only their own groups). Default: public. */
    groups: z.array(name).max(100).optional(),
  })
  .strict()
  .meta({ id: "CreateSourceRequest" });
export type CreateSourceRequest = z.infer<typeof CreateSourceRequest>;

/** Body of POST /v1/sources/:id/sync. */
export const StartSyncRequest = z
  .object({
    /**
     * Let this sync remove more than SYNC_MAX_DELETE_RATIO of the source's documents, or all of them
     * when the folder is empty (by default such a sync is refused and changes nothing).
     */
    allow_mass_delete: z.boolean().optional(),
  })
  .strict()
  .meta({ id: "StartSyncRequest" });

export const SourceView = z
  .object({
    id: z.string(),
    path: z.string(),
    include: z.array(z.string()),
    exclude: z.array(z.string()),
    tags: z.array(z.string()),
    groups: z.array(z.string()),
    created_at: z.string(),
    /** The last sync with live counts while it runs; null before the first. */
    last_sync: SyncSummary.nullable(),
  })
  .meta({ id: "Source" });
export type SourceView = z.infer<typeof SourceView>;

export const SourceList = z.object({ items: z.array(SourceView) }).meta({ id: "SourceList" });

export const SyncAccepted = z
  .object({
    sync_id: z.string(),
    /** False when a sync of this source was already running: its id is returned instead. */
    started: z.boolean(),
  })
  .meta({ id: "SyncAccepted" });
export type SyncAccepted = z.infer<typeof SyncAccepted>;

export const ReportPage = z
  .object({ page: z.int(), text_source: PageTextSource, ocr_confidence: z.number().nullable() })
  .meta({ id: "ReportPage" });

export const ReportFile = z
  .object({
    /** Path in the folder; an e-mail attachment is `message.eml › attachment.pdf`. */
    path: z.string(),
    document_id: z.string().nullable(),
    type: FileType.nullable(),
    status: z.union([DocumentStatus, z.literal("skipped")]),
    /** Why the file failed or was skipped. */
    error: z.string().nullable(),
    error_code: z.string().nullable(),
    pages: z.array(ReportPage),
  })
  .meta({ id: "ReportFile" });
export type ReportFile = z.infer<typeof ReportFile>;

export const CoverageReport = z
  .object({
    source_id: z.string(),
    path: z.string(),
    sync: SyncSummary.nullable(),
    totals: z.object({
      files: z.int(),
      files_ready: z.int(),
      files_pending: z.int(),
      files_failed: z.int(),
      files_skipped: z.int(),
      pages: z.int(),
      pages_text_layer: z.int(),
      pages_ocr: z.int(),
      pages_failed: z.int(),
    }),
    /** Pages that search cannot find (OCR failed), by file. */
    unsearchable: z.array(z.object({ path: z.string(), document_id: z.string(), pages: z.array(z.int()) })),
    /** Everything that could not be indexed: failed documents and problems of the walk. */
    failures: z.array(
      z.object({
        path: z.string(),
        document_id: z.string().nullable(),
        code: z.string().nullable(),
        reason: z.string(),
      }),
    ),
    files: z.array(ReportFile),
  })
  .meta({ id: "CoverageReport" });
export type CoverageReport = z.infer<typeof CoverageReport>;
