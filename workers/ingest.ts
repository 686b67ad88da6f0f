// The ingest worker: one file per BullMQ job, through the pipeline, with its attachments queued.
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { PermanentIngestError } from "../ingestion/errors.js";
import { type IngestDeps, type IngestProgress, ingestDocument, readyPatch } from "../ingestion/pipeline.js";
import type { ParsedDocument } from "../ingestion/readers/index.js";
import type { DocumentRow } from "../schemas/document.js";
import type { IngestJobData, IngestJobProgress } from "../schemas/jobs.js";
import type { Logger } from "../src/lib/logger.js";
import { recordIngested, recordIngestOutcome } from "../src/lib/metrics.js";
import { QUEUES } from "../src/queue/ingest-queue.js";
import type { DocumentPatch } from "../src/store/documents.js";
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
  return new Worker<IngestJobData>(QUEUES.ingest, (job) => ingestJob(options, job), {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: Math.min(30_000, options.lockDurationMs ?? 30_000),
    maxStalledCount: 3,
  });
}

/** One job at work: the worker's options, the job, its document, and the write that only it may make. */
interface JobRun {
  options: IngestWorkerOptions;
  job: Job<IngestJobData>;
  /** The document's id. */
  id: string;
  /** Writes the document only while this run owns it: its job is the row's, and it holds the job's lock. */
  update: (patch: DocumentPatch) => Promise<unknown>;
}

/** Read one file into the index: skip it if it is gone or another job owns it, else index it or record why not. */
async function ingestJob(options: IngestWorkerOptions, job: Job<IngestJobData>) {
  const { documents } = options.deps;
  const id = job.data.document_id;
  const jobId = job.id ?? "";
  const doc = await documents.getForWorker(id);
  if (!doc || (doc.job_id !== null && doc.job_id !== jobId)) return skipJob(options, job, doc);
  const run: JobRun = { options, job, id, update: (patch) => updateWhileOwned(options, job, id, patch) };
  await run.update({ status: "processing", error: null, error_code: null, notes: null });
  try {
    return await indexDocument(run, doc);
  } catch (error) {
    return recordFailure(run, error);
  }
}

/**
 * Write the document's row only while this run still holds the job's lock (extending it): a run whose
 * lock expired under load, while BullMQ gave the job to another run, must not write "processing" or
 * "queued" over the other run's "ready" (the next sync would find the file stuck and queue it again).
 */
async function updateWhileOwned(
  options: IngestWorkerOptions,
  job: Job<IngestJobData>,
  id: string,
  patch: DocumentPatch,
): Promise<void> {
  if (job.token) {
    const held = await job.extendLock(job.token, options.lockDurationMs ?? 30_000).catch(() => 0);
    if (held !== 1) {
      options.log.warn(
        { document: id, job: job.id, status: patch.status },
        "lost the job's lock: not writing",
      );
      return;
    }
  }
  await options.deps.documents.updateForJob(id, job.id ?? "", patch);
}

/** Tell the sync that a job ended for good; its errors are logged, never fail the job. */
async function settled(run: Pick<JobRun, "options" | "job">, outcome: "done" | "failed" | "skipped") {
  const { options, job } = run;
  recordIngestOutcome(outcome);
  await options
    .onSettled?.(job.data, outcome)
    .catch((e: unknown) => options.log.warn({ err: e, job: job.id }, "could not record the end of a job"));
}

/** A job with nothing to do: its document was deleted, or a newer job owns it. */
async function skipJob(options: IngestWorkerOptions, job: Job<IngestJobData>, doc: DocumentRow | null) {
  const id = job.data.document_id;
  if (!doc) {
    options.log.info({ document: id, job: job.id }, "document was deleted before it was ingested");
    await settled({ options, job }, "skipped");
    return { skipped: "deleted" };
  }
  options.log.info({ document: id, job: job.id, owner: doc.job_id }, "a newer job owns this document");
  await settled({ options, job }, "skipped");
  return { skipped: "superseded" };
}

/** Ingest the file, queue its attachments, then mark the document ready with what was found. */
async function indexDocument(run: JobRun, doc: DocumentRow) {
  const { options, job, id } = run;
  const { deps, log } = options;
  const result = await ingestDocument(
    doc,
    deps,
    (p) => void job.updateProgress(toJobProgress(p)).catch(() => {}),
  );
  // The document may have been deleted while we worked: do not resurrect its row.
  if (!(await deps.documents.getForWorker(id))) {
    await deps.documents.delete(id);
    await settled(run, "skipped");
    return { skipped: "deleted" };
  }
  const notes = await queueAttachments(run, doc, result.parsed);
  const { metadata, pageNumbers } = result.parsed;
  await run.update({
    ...readyPatch(result),
    page_numbers: pageNumbers ?? null,
    notes: notes.length > 0 ? JSON.stringify(notes) : null,
    sha256: result.sha256,
    size_bytes: result.size,
    ...(metadata ? { metadata: JSON.stringify(metadata) } : {}),
  });
  await job.updateProgress({ stage: "done", percent: 100 } satisfies IngestJobProgress);
  log.info({ document: id, pages: result.pages, chunks: result.chunks, ms: result.timings }, "indexed");
  recordIngested(result.pages, result.timings);
  await settled(run, "done");
  await options
    .afterIndexed?.()
    .catch((e: unknown) => log.warn({ err: e }, "could not schedule maintenance"));
  return { pages: result.pages, chunks: result.chunks, timings: result.timings };
}

/**
 * Turn the attachments found in the file into documents of their own (as deep as allowed) before the
 * parent is ready, so a failure here retries the whole job (both steps are idempotent). Returns the
 * document's notes: the reader's warnings, and why attachments were not read.
 */
async function queueAttachments(run: JobRun, doc: DocumentRow, parsed: ParsedDocument): Promise<string[]> {
  const { options, id } = run;
  const { attachments, note } = await attachmentsToRead(options, doc, parsed.attachments ?? []);
  const notes = [...(parsed.warnings ?? []), ...(note ? [note] : [])];
  for (const warning of notes) options.log.warn({ document: id }, warning);
  const children = attachments.length > 0 ? await options.intake.acceptAttachments(doc, attachments) : [];
  if (children.length > 0) {
    options.log.info({ document: id, attachments: children.map((c) => c.id) }, "attachments queued");
  }
  return notes;
}

/** The attachments to read: none past MAX_ATTACHMENT_DEPTH, with a note saying so. */
async function attachmentsToRead(
  options: IngestWorkerOptions,
  doc: DocumentRow,
  found: NonNullable<ParsedDocument["attachments"]>,
) {
  const maxDepth = options.maxAttachmentDepth ?? 3;
  if (found.length === 0) return { attachments: found };
  const depth = await options.intake.attachmentDepth(doc, maxDepth);
  if (depth < maxDepth) return { attachments: found };
  return {
    attachments: [],
    note: `its ${found.length} attachment(s) were not read: ${depth === 0 ? "MAX_ATTACHMENT_DEPTH=0 turns attachments off" : `the message is itself an attachment ${depth} level(s) deep, and MAX_ATTACHMENT_DEPTH=${maxDepth} follows no deeper`}`,
  };
}

/**
 * A document that failed for good keeps no text of an earlier version in search (a "redacted" copy
 * that cannot be read must not leave the unredacted text findable), unless the operator chose to
 * keep it. Returns what the document's error then says about it.
 */
async function dropEarlierText(options: IngestWorkerOptions, id: string): Promise<string> {
  const { documents } = options.deps;
  if ((await documents.countChunks(id)) === 0) return "";
  if (options.keepTextOfFailedVersions)
    return " (the text of its earlier version stays searchable: KEEP_TEXT_OF_FAILED_VERSIONS)";
  await documents.replaceContent(id, [], []);
  return EARLIER_TEXT_REMOVED;
}

/**
 * Record why the file was not indexed: a permanent failure at once (the job ends), anything else
 * only on the last attempt (the job is retried with backoff until then). Always throws.
 */
async function recordFailure(run: JobRun, error: unknown): Promise<never> {
  const { options, job, id } = run;
  if (error instanceof PermanentIngestError) {
    const error_ = `${error.message}${await dropEarlierText(options, id)}`;
    await run.update({ status: "failed", error: error_, error_code: error.code });
    options.log.info({ document: id, code: error.code }, "file cannot be ingested");
    await settled(run, "failed");
    throw new UnrecoverableError(error.message);
  }
  const attempts = job.opts.attempts ?? 1;
  const last = job.attemptsMade + 1 >= attempts;
  options.log.warn(
    { document: id, err: error, attempt: job.attemptsMade + 1, of: attempts },
    "ingest attempt failed",
  );
  await run.update({
    status: last ? "failed" : "queued",
    error: last
      ? `could not be processed after ${attempts} attempts (${(error as Error).message}): check the worker log, then upload the file again${await dropEarlierText(options, id)}`
      : null,
    error_code: last ? "unreadable" : null,
  });
  if (last) await settled(run, "failed");
  throw error;
}
