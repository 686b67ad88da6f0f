// The webhook worker: one delivery attempt per BullMQ job run; BullMQ retries a failed attempt
// with exponential backoff until WEBHOOK_MAX_ATTEMPTS.
import { type Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { WebhookJobData } from "../schemas/webhooks.js";
import type { Logger } from "../src/lib/logger.js";
import { WEBHOOK_QUEUE } from "../src/queue/webhook-queue.js";
import { type AttemptDeps, attemptDelivery } from "../src/usecases/webhooks/events.js";

/** Options of the webhook worker. */
export interface WebhookWorkerOptions {
  /** A worker connection (waits for Redis). */
  connection: Redis;
  /** Redis key prefix (QUEUE_PREFIX). */
  prefix: string;
  /** What an attempt needs. */
  deps: AttemptDeps;
  /** Where retries are logged. */
  log: Logger;
}

/** The BullMQ worker of the webhook queue. */
export function createWebhookWorker(options: WebhookWorkerOptions): Worker<WebhookJobData> {
  const processor = async (job: Job<WebhookJobData>) => {
    const attempt = job.attemptsMade + 1;
    const last = attempt >= (job.opts.attempts ?? 1);
    try {
      await attemptDelivery(options.deps, job.data, attempt, last);
    } catch (error) {
      options.log.warn(
        { hook: job.data.hook_id, event: job.data.event, attempt, err: error },
        "webhook delivery will retry",
      );
      throw error;
    }
  };
  return new Worker<WebhookJobData>(WEBHOOK_QUEUE, processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: 4,
  });
}
