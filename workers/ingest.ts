// The ingest worker: one file per BullMQ job, through the pipeline, with its attachments queued.
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { PermanentIngestError } from "../ingestion/errors.js";
import { type IngestDeps, type IngestProgress, ingestDocument } from "../ingestion/pipeline.js";
import type { ParsedDocument } from "../ingestion/readers/index.js";
import type { DocumentRow } from "../schemas/document.js";
import type { IngestJobData, IngestJobProgress } from "../schemas/jobs.js";
import type { Logger } from "../src/lib/logger.js";
import { QUEUES } from "../src/queue/ingest-queue.js";
import { EARLIER_TEXT_REMOVED, type Intake } from "../src/usecases/intake.js";

/** Share of a file's progress bar given to each stage (embedding is most of the work). */
const STAGE_SPAN: Record<IngestProgress["stage"], [number, number]> = {
  read: [0, 2],
  parse: [2, 10],
  chunk: [10, 15],
  embed: [15, 95],
  write: [95, 99],
};

function toJobProgress(p: IngestProgress): IngestJobProgress {
  const [from, to] = STAGE_SPAN[p.stage];
  const fraction = p.total ? (p.done ?? 0) / p.total : 0;
  return { stage: p.stage, done: p.done, total: p.total, percent: Math.round(from + (to - from) * fraction) };
}

/** Options of the ingest worker. */
export interface IngestWorkerOptions {
  connection: Redis;
  /** Redis key prefix (QUEUE_PREFIX). */
  prefix: string;
  concurrency: number;
  deps: IngestDeps;
  log: Logger;
  /** Called after each file is indexed (e.g. to schedule store maintenance). */
  afterIndexed?: () => Promise<void>;
  /** Turns files found inside a document (e-mail attachments) into documents of their own. */
  intake: Pick<Intake, "acceptAttachments" | "attachmentDepth">;
  /** How deep attachments are followed (MAX_ATTACHMENT_DEPTH): 1 reads a message's own, 0 none. */
  maxAttachmentDepth?: number;
  /** A job whose worker stopped renewing its lock for this long is taken over by another worker. */
  lockDurationMs?: number;
  /**
   * Called once a job has ended for good (indexed, failed after its last attempt, or its document was
   * deleted meanwhile): a sync counts its files with it. Its errors are logged, never fail the job.
   */
  onSettled?: (data: IngestJobData, outcome: "done" | "failed" | "skipped") => Promise<void>;
  /** Keep an older version's text searchable when a newer version fails (KEEP_TEXT_OF_FAILED_VERSIONS). */
  keepTextOfFailedVersions?: boolean;
}

/**
 * The BullMQ worker that ingests one file per job. Permanent failures (damaged, encrypted, empty,
 * unsupported files) are recorded on the document and end the job at once; anything else is retried
 * with backoff and recorded on the document only when the last attempt fails.
 */
export function createIngestWorker(options: IngestWorkerOptions): Worker<IngestJobData> {
  const { deps, log } = options;
  const { documents } = deps;
  const settled = async (job: Job<IngestJobData>, outcome: "done" | "failed" | "skipped") => {
    await options
      .onSettled?.(job.data, outcome)
      .catch((e: unknown) => log.warn({ err: e, job: job.id }, "could not record the end of a job"));
  };
  const maxDepth = options.maxAttachmentDepth ?? 3;
  /** The attachments to read: none past MAX_ATTACHMENT_DEPTH, with a note saying so. */
  const attachmentsToRead = async (doc: DocumentRow, found: NonNullable<ParsedDocument["attachments"]>) => {
    if (found.length === 0) return { attachments: found };
    const depth = await options.intake.attachmentDepth(doc, maxDepth);
    if (depth < maxDepth) return { attachments: found };
    return {
      attachments: [],
      note: `its ${found.length} attachment(s) were not read: ${depth === 0 ? "MAX_ATTACHMENT_DEPTH=0 turns attachments off" : `the message is itself an attachment ${depth} level(s) deep, and MAX_ATTACHMENT_DEPTH=${maxDepth} follows no deeper`}`,
    };
  };

  /**
   * A document that failed for good keeps no text of an earlier version in search (a "redacted" copy
   * that cannot be read must not leave the unredacted text findable), unless the operator chose to
   * keep it. Returns what the document's error then says about it.
   */
  const dropEarlierText = async (id: string): Promise<string> => {
    if ((await documents.countChunks(id)) === 0) return "";
    if (options.keepTextOfFailedVersions)
      return " (the text of its earlier version stays searchable: KEEP_TEXT_OF_FAILED_VERSIONS)";
    await documents.replaceContent(id, [], []);
    return EARLIER_TEXT_REMOVED;
  };
  const processor = async (job: Job<IngestJobData>) => {
    const id = job.data.document_id;
    const jobId = job.id ?? "";
    const doc = await documents.getForWorker(id);
    if (!doc) {
      log.info({ document: id, job: job.id }, "document was deleted before it was ingested");
      await settled(job, "skipped");
      return { skipped: "deleted" };
    }
    if (doc.job_id !== null && doc.job_id !== jobId) {
      log.info({ document: id, job: job.id, owner: doc.job_id }, "a newer job owns this document");
      await settled(job, "skipped");
      return { skipped: "superseded" };
    }
    const update = (patch: Parameters<typeof documents.update>[1]) =>
      documents.updateForJob(id, jobId, patch);
    await update({ status: "processing", error: null, error_code: null, notes: null });
    try {
      const result = await ingestDocument(
        doc,
        deps,
        (p) => void job.updateProgress(toJobProgress(p)).catch(() => {}),
      );
      // The document may have been deleted while we worked: do not resurrect its row.
      if (!(await documents.getForWorker(id))) {
        await documents.delete(id);
        await settled(job, "skipped");
        return { skipped: "deleted" };
      }
      const { attachments: found = [], metadata, pageNumbers } = result.parsed;
      const { attachments, note } = await attachmentsToRead(doc, found);
      const notes = [...(result.parsed.warnings ?? []), ...(note ? [note] : [])];
      for (const warning of notes) log.warn({ document: id }, warning);
      // Before the parent is ready, so a failure here retries the whole job (both steps are idempotent).
      const children = attachments.length > 0 ? await options.intake.acceptAttachments(doc, attachments) : [];
      if (children.length > 0) {
        log.info({ document: id, attachments: children.map((c) => c.id) }, "attachments queued");
      }
      await update({
        status: "ready",
        type: result.type,
        title: result.title,
        pages: result.pages,
        chunks: result.chunks,
        page_numbers: pageNumbers ?? null,
        notes: notes.length > 0 ? JSON.stringify(notes) : null,
        sha256: result.sha256,
        size_bytes: result.size,
        ...(metadata ? { metadata: JSON.stringify(metadata) } : {}),
      });
      await job.updateProgress({ stage: "done", percent: 100 } satisfies IngestJobProgress);
      log.info({ document: id, pages: result.pages, chunks: result.chunks, ms: result.timings }, "indexed");
      await settled(job, "done");
      await options
        .afterIndexed?.()
        .catch((e: unknown) => log.warn({ err: e }, "could not schedule maintenance"));
      return { pages: result.pages, chunks: result.chunks, timings: result.timings };
    } catch (error) {
      if (error instanceof PermanentIngestError) {
        const error_ = `${error.message}${await dropEarlierText(id)}`;
        await update({ status: "failed", error: error_, error_code: error.code });
        log.info({ document: id, code: error.code }, "file cannot be ingested");
        await settled(job, "failed");
        throw new UnrecoverableError(error.message);
      }
      const attempts = job.opts.attempts ?? 1;
      const last = job.attemptsMade + 1 >= attempts;
      log.warn(
        { document: id, err: error, attempt: job.attemptsMade + 1, of: attempts },
        "ingest attempt failed",
      );
      await update({
        status: last ? "failed" : "queued",
        error: last
          ? `could not be processed after ${attempts} attempts (${(error as Error).message}): check the worker log, then upload the file again${await dropEarlierText(id)}`
          : null,
        error_code: last ? "unreadable" : null,
      });
      if (last) await settled(job, "failed");
      throw error;
    }
  };
  return new Worker<IngestJobData>(QUEUES.ingest, processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: Math.min(30_000, options.lockDurationMs ?? 30_000),
    maxStalledCount: 3,
  });
}
