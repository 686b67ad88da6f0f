import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { type IngestJobData, IngestJobProgress, type JobState } from "../../schemas/jobs.js";
import { redisConnection } from "./connection.js";
import { JOB_RETENTION } from "./retention.js";

/** Queue names, shared by producers and workers. */
export const QUEUES = {
  ingest: "cited-ingest",
  maintenance: "cited-maintenance",
  sync: "cited-sync",
} as const;

/**
 * Id of the ingest job for a document's content: the same content queued twice is one job. A sync
 * adds its own id, so a file queued again by a later sync never collides with a finished job (BullMQ
 * ignores an add whose id exists, finished or not).
 */
export function ingestJobId(documentId: string, contentSha256: string, syncId?: string | null): string {
  const base = `${documentId}-${contentSha256.slice(0, 12)}`;
  return syncId ? `${base}-${syncId}` : base;
}

/** Retries for transient failures (Redis or disk hiccups, a crashed worker): exponential from 2 s. */
export const INGEST_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 2000 },
  ...JOB_RETENTION,
  // Bulk uploads of whole shares: at most the latest 50,000 completed jobs are kept.
  removeOnComplete: { ...JOB_RETENTION.removeOnComplete, count: 50_000 },
};

/** Two ids for the maintenance run, so one can be booked while the other runs (BullMQ ignores an add whose id exists). */
const MAINTENANCE_JOB_IDS = ["optimize", "optimize-next"] as const;

/** Maintenance runs retry commit conflicts with writers and leave nothing behind in Redis. */
const MAINTENANCE_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 5000 },
  removeOnComplete: true,
  removeOnFail: true,
};

/** What the API shows of a job. */
export interface JobView {
  id: string;
  state: JobState;
  progress: IngestJobProgress | null;
  attempts: number;
  failed_reason: string | null;
  data: IngestJobData;
}

/** Producer side of ingestion: one job per file, found again by id. */
export class IngestQueue {
  readonly queue: Queue<IngestJobData>;
  private readonly maintenance: Queue;

  constructor(
    /** The producer connection; the API's rate limits share it. */
    readonly connection: Redis,
    /** Redis key prefix (QUEUE_PREFIX). */
    readonly prefix: string,
  ) {
    this.queue = new Queue<IngestJobData>(QUEUES.ingest, { connection, prefix });
    this.maintenance = new Queue(QUEUES.maintenance, { connection, prefix });
  }

  static connect(redisUrl: string, prefix: string): IngestQueue {
    return new IngestQueue(redisConnection(redisUrl, "producer"), prefix);
  }

  /**
   * Enqueue a file. The job id is derived from the document and its content, so enqueueing the same
   * thing twice (a retried request) makes one job.
   */
  async add(data: IngestJobData, contentSha256: string): Promise<string> {
    const jobId = ingestJobId(data.document_id, contentSha256);
    const job = await this.queue.add("ingest-file", data, { ...INGEST_JOB_OPTIONS, jobId });
    return job.id ?? jobId;
  }

  /**
   * Ask for a store maintenance run (compaction, index refresh) soon; requests within the delay
   * collapse into one. A request made while a run is already under way (it may have read the store
   * before our write) books the next run under a second id, so no write waits for the next ingest.
   * Runs are one at a time across all workers (a global concurrency of 1, set again with every
   * request since a restarted Redis forgets it): two at once would each leave the other's booking
   * unmade, and their commits conflict.
   */
  async requestMaintenance(delayMs = 3_000): Promise<void> {
    await this.maintenance.setGlobalConcurrency(1);
    for (let round = 0; round < 4; round++) {
      const jobId = MAINTENANCE_JOB_IDS[round % MAINTENANCE_JOB_IDS.length]!;
      const job = await this.maintenance.add(
        "optimize",
        {},
        { ...MAINTENANCE_JOB_OPTIONS, jobId, delay: delayMs },
      );
      // Waiting or delayed: it starts after our write and sees it.
      if (["waiting", "delayed", "prioritized"].includes(await job.getState())) return;
    }
    // Both ids still running (two runs begun before the global concurrency of 1 was set, by an older
    // worker on this Redis): a run of its own, so this write is not left unbooked.
    await this.maintenance.add("optimize", {}, { ...MAINTENANCE_JOB_OPTIONS, delay: delayMs });
  }

  /** Whether Redis holds a job of this id (waiting, running, retrying, or kept after it ended). */
  async has(id: string): Promise<boolean> {
    return (await this.queue.getJob(id)) !== undefined;
  }

  async get(id: string): Promise<JobView | null> {
    const job = await this.queue.getJob(id);
    if (!job) return null;
    const state = (await job.getState()) as JobState;
    const progress = IngestJobProgress.safeParse(job.progress);
    return {
      id,
      state,
      progress: progress.success ? progress.data : null,
      attempts: job.attemptsMade,
      failed_reason: job.failedReason ?? null,
      data: job.data,
    };
  }

  /** Whether Redis answers. */
  async ping(): Promise<boolean> {
    try {
      return (await this.connection.ping()) === "PONG";
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.maintenance.close();
    this.connection.disconnect();
  }
}
