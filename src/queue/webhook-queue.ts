// The webhook side of Redis: the BullMQ queue of deliveries (retried with exponential backoff) and
// each hook's delivery log (its latest attempts, newest first).
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { WebhookAttempt, WebhookJobData } from "../../schemas/webhooks.js";
import { redisConnection } from "./connection.js";
import { JOB_RETENTION } from "./retention.js";

/** Name of the delivery queue. */
export const WEBHOOK_QUEUE = "webhooks";
/** Attempts kept in each hook's log. */
const LOG_LENGTH = 200;

/** How deliveries are retried. */
export interface RetryPolicy {
  /** WEBHOOK_MAX_ATTEMPTS. */
  attempts: number;
  /** WEBHOOK_BACKOFF_MS: the first wait; it doubles with each attempt. */
  backoffMs: number;
}

/** Deliveries to send and the log of what was sent. */
export class WebhookQueue {
  readonly queue: Queue<WebhookJobData>;

  constructor(
    private readonly connection: Redis,
    /** Redis key prefix (QUEUE_PREFIX). */
    readonly prefix: string,
  ) {
    this.queue = new Queue<WebhookJobData>(WEBHOOK_QUEUE, { connection, prefix });
  }

  /** A producer connection (fails fast) or a worker connection (waits for Redis). */
  static connect(redisUrl: string, prefix: string, role: "worker" | "producer" = "producer"): WebhookQueue {
    return new WebhookQueue(redisConnection(redisUrl, role), prefix);
  }

  /** Queue one delivery; its delivery id is the job id, so one event is never queued twice for a hook. */
  async enqueue(data: WebhookJobData, retry: RetryPolicy): Promise<void> {
    await this.queue.add("deliver", data, {
      jobId: `${data.hook_id}-${data.delivery_id}`,
      attempts: retry.attempts,
      backoff: { type: "exponential", delay: retry.backoffMs },
      ...JOB_RETENTION,
    });
  }

  private logKey(hookId: string): string {
    return `${this.prefix}:webhook-log:${hookId}`;
  }

  /** Add an attempt to a hook's log. */
  async log(hookId: string, attempt: WebhookAttempt): Promise<void> {
    await this.connection
      .multi()
      .lpush(this.logKey(hookId), JSON.stringify(attempt))
      .ltrim(this.logKey(hookId), 0, LOG_LENGTH - 1)
      .exec();
  }

  /** A hook's latest attempts, newest first. */
  async attempts(hookId: string, limit = 50): Promise<WebhookAttempt[]> {
    const lines = await this.connection.lrange(this.logKey(hookId), 0, limit - 1);
    return lines.map((l) => JSON.parse(l) as WebhookAttempt);
  }

  /** Forget a deleted hook's log. */
  async forget(hookId: string): Promise<void> {
    await this.connection.del(this.logKey(hookId));
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}
