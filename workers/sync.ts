import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { SyncJobData } from "../schemas/sources.js";
import type { Logger } from "../src/lib/logger.js";
import { QUEUES } from "../src/queue/ingest-queue.js";
import {
  failSync,
  finishSync,
  planSync,
  SyncCannotRunError,
  type SyncDeps,
} from "../src/usecases/sync/planner.js";

/** Options of the sync worker. */
export interface SyncWorkerOptions {
  connection: Redis;
  /** Redis key prefix (QUEUE_PREFIX). */
  prefix: string;
  deps: SyncDeps;
  log: Logger;
  lockDurationMs?: number;
  /** Called when a sync has ended (done or failed) with its source id and final state; its errors are logged, never fail the job. */
  onFinished?: (
    sourceId: string,
    syncId: string,
    state: "done" | "failed",
    error: string | null,
  ) => Promise<void>;
}

/**
 * The BullMQ worker of the sync queue: `plan-sync` walks a folder and adds the sync's flow,
 * `finish-sync` (the flow's parent, run when every file is settled) records the final counts.
 */
export function createSyncWorker(options: SyncWorkerOptions): Worker<SyncJobData> {
  const { deps, log } = options;
  const processor = async (job: Job<SyncJobData>) => {
    const finished = async (state: "done" | "failed", error: string | null) => {
      try {
        await options.onFinished?.(job.data.source_id, job.data.sync_id, state, error);
      } catch (err) {
        log.error({ err, sync: job.data.sync_id }, "could not report the end of a sync");
      }
    };
    if (job.name === "finish-sync") {
      const summary = await finishSync(deps, job.data);
      if (summary) await finished("done", null);
      return summary;
    }
    try {
      const result = await planSync(deps, job.data);
      return { counts: result.counts, changes: result.changes, planned: result.planned };
    } catch (error) {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (error instanceof SyncCannotRunError || last) {
        log.warn({ source: job.data.source_id, sync: job.data.sync_id, err: error }, "sync failed");
        await failSync(deps, job.data, (error as Error).message);
        await finished("failed", (error as Error).message);
        if (error instanceof SyncCannotRunError) throw new UnrecoverableError(error.message);
      } else {
        log.warn(
          { source: job.data.source_id, sync: job.data.sync_id, err: error },
          "sync planning will retry",
        );
      }
      throw error;
    }
  };
  return new Worker<SyncJobData>(QUEUES.sync, processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: 2,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: Math.min(30_000, options.lockDurationMs ?? 30_000),
    maxStalledCount: 3,
  });
}
