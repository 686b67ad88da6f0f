import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../src/lib/logger.js";
import { QUEUES } from "../src/queue/ingest-queue.js";
import type { Store } from "../src/store/index.js";
import { maintainStore } from "../src/store/maintenance.js";

/** The one maintenance worker (concurrency 1): compaction and index refresh, retried on commit conflicts. */
export function createMaintenanceWorker(
  connection: Redis,
  prefix: string,
  store: Store,
  log: Logger,
): Worker {
  return new Worker(
    QUEUES.maintenance,
    async () => {
      const report = await maintainStore(store);
      log.info(report, "store maintenance done");
      return report;
    },
    { connection, prefix, concurrency: 1 },
  );
}
