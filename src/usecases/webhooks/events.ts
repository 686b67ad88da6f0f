// Telling a tenant's webhooks that something happened: one queued delivery per subscribed hook, and
// the worker's handling of one attempt (sign, send, log, count failures, disable).
import { randomUUID } from "node:crypto";
import type { DocumentRow } from "../../../schemas/document.js";
import type {
  WebhookAttempt,
  WebhookEvent,
  WebhookJobData,
  WebhookPayload,
} from "../../../schemas/webhooks.js";
import type { RetryPolicy, WebhookQueue } from "../../queue/webhook-queue.js";
import { type AttemptOptions, postWebhook } from "./deliver.js";
import type { WebhookRegistry } from "./registry.js";
import { SIGNATURE_HEADER, signature, TIMESTAMP_HEADER } from "./sign.js";

/** What a document.ready / document.failed event says about the document (no paths, no text). */
export function documentEventData(row: DocumentRow): Record<string, unknown> {
  return {
    document_id: row.id,
    name: row.name,
    title: row.title,
    status: row.status,
    pages: row.pages,
    source_id: row.source_id,
    error_code: row.error_code ?? null,
  };
}

/** Queues deliveries of events to the hooks that subscribe to them. */
export class WebhookEmitter {
  constructor(
    private readonly registry: WebhookRegistry,
    private readonly queue: WebhookQueue,
    private readonly retry: RetryPolicy,
  ) {}

  /** Queue `event` for every active hook of `tenant` that subscribes to it; returns how many. */
  async emit(tenant: string, event: WebhookEvent, data: Record<string, unknown>): Promise<number> {
    const hooks = await this.registry.subscribers(tenant, event);
    for (const hook of hooks) {
      const payload: WebhookPayload = {
        id: `evt_${randomUUID()}`,
        event,
        tenant,
        created_at: new Date().toISOString(),
        data,
      };
      const job = { hook_id: hook.id, tenant, event, delivery_id: payload.id, body: JSON.stringify(payload) };
      await this.queue.enqueue(job, this.retry);
    }
    return hooks.length;
  }
}

/** What one attempt needs besides the job. */
export interface AttemptDeps extends AttemptOptions {
  /** The hooks, their secrets and failure counts. */
  registry: WebhookRegistry;
  /** Where each attempt is logged. */
  queue: WebhookQueue;
  /** WEBHOOK_DISABLE_AFTER. */
  disableAfter: number;
}

/** Thrown to make BullMQ retry the delivery later (with backoff). */
export class DeliveryFailedError extends Error {
  override name = "DeliveryFailedError";
}

/**
 * One attempt of one delivery (attempt numbers from 1). A hook deleted or disabled meanwhile is
 * skipped. A failure is logged; the last one is counted against the hook and may disable it; any
 * other throws DeliveryFailedError so the queue retries it.
 */
export async function attemptDelivery(
  deps: AttemptDeps,
  job: WebhookJobData,
  attempt: number,
  lastAttempt: boolean,
): Promise<void> {
  const hook = await deps.registry.get(job.tenant, job.hook_id);
  if (!hook?.active) return;
  const timestamp = Math.floor(Date.now() / 1000);
  const result = await postWebhook(
    hook.url,
    job.body,
    {
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signature(hook.secret, timestamp, job.body),
      "X-Cited-Event": job.event,
      "X-Cited-Delivery": job.delivery_id,
      "User-Agent": "Cited-Webhooks/1",
    },
    deps,
  );
  const delivered = result.error === null;
  const entry: WebhookAttempt = {
    delivery_id: job.delivery_id,
    event: job.event,
    attempt,
    outcome: delivered ? "delivered" : lastAttempt ? "failed" : "retrying",
    http_status: result.status,
    error: result.error,
    duration_ms: result.durationMs,
    at: new Date().toISOString(),
  };
  await deps.queue.log(hook.id, entry);
  if (delivered || lastAttempt)
    await deps.registry.recordOutcome(job.tenant, hook.id, delivered, deps.disableAfter);
  if (!delivered && !lastAttempt) throw new DeliveryFailedError(result.error ?? "delivery failed");
}
