// How many jobs wait, run, or ended in each of Cited's queues: read from Redis when /metrics is scraped.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { QueueJobCount } from "../lib/metrics.js";
import { redisConnection } from "./connection.js";
import { QUEUES } from "./ingest-queue.js";
import { REVIEW_QUEUE } from "./review-queue.js";
import { WEBHOOK_QUEUE } from "./webhook-queue.js";

/** Every queue by its short name (the `queue` label) and its BullMQ name. */
const WATCHED: Readonly<Record<string, string>> = {
  ingest: QUEUES.ingest,
  sync: QUEUES.sync,
  review: REVIEW_QUEUE,
  maintenance: QUEUES.maintenance,
  webhook: WEBHOOK_QUEUE,
};

/** Read-only handles on every queue, over one connection of their own. */
export class QueueDepths {
  private readonly queues: [string, Queue][];

  constructor(
    private readonly connection: Redis,
    /** Redis key prefix (QUEUE_PREFIX). */
    prefix: string,
  ) {
    this.queues = Object.entries(WATCHED).map(([name, queue]) => [
      name,
      new Queue(queue, { connection, prefix }),
    ]);
  }

  /** A connection that fails fast: a scrape never hangs on a dead Redis. */
  static connect(redisUrl: string, prefix: string): QueueDepths {
    return new QueueDepths(redisConnection(redisUrl, "producer"), prefix);
  }

  /** Jobs of every queue in every state (BullMQ getJobCounts). */
  async counts(): Promise<QueueJobCount[]> {
    const perQueue = await Promise.all(
      this.queues.map(async ([queue, q]) =>
        Object.entries(await q.getJobCounts()).map(([state, count]) => ({ queue, state, count })),
      ),
    );
    return perQueue.flat();
  }

  async close(): Promise<void> {
    for (const [, q] of this.queues) await q.close();
    this.connection.disconnect();
  }
}
