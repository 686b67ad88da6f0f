import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../src/lib/logger.js";
import { QUEUES } from "../src/queue/ingest-queue.js";
import type { Store } from "../src/store/index.js";
import { maintainStore } from "../src/store/maintenance.js";

/**
 * The maintenance worker (one run at a time across all workers): compaction and index refresh,
 * retried on commit conflicts. Each failed attempt is logged, since a run given up leaves new rows
 * out of the indexes until the next write asks for another.
 */
export function createMaintenanceWorker(
  connection: Redis,
  prefix: string,
  store: Store,
  log: Logger,
): Worker {
  const worker = new Worker(
    QUEUES.maintenance,
    async () => {
      const started = Date.now();
      const report = await maintainStore(store);
      log.info({ ...report, ms: Date.now() - started }, "store maintenance done");
      return report;
    },
    { connection, prefix, concurrency: 1 },
  );
  worker.on("failed", (job, err) => {
    const attempts = job?.opts.attempts ?? 1;
    const made = job?.attemptsMade ?? attempts;
    log.warn(
      { err, attempt: made, attempts },
      made >= attempts ? "store maintenance given up" : "store maintenance failed, will retry",
    );
  });
  return worker;
}
