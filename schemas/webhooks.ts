// Shapes of webhooks: the HTTP API that manages them (/v1/webhooks), the body Cited POSTs to a hook,
// the delivery log, and the job that carries one delivery through BullMQ.
import { z } from "zod";

/** What a hook can subscribe to. */
export const WebhookEvent = z
  .enum(["document.ready", "document.failed", "sync.finished", "review.finished"])
  .meta({ id: "WebhookEvent" });
export type WebhookEvent = z.infer<typeof WebhookEvent>;

export const WebhookIdParams = z
  .object({
    id: z.string().regex(/^wh_[0-9a-f]{16}$/, "a webhook id is wh_ and 16 hex digits (see GET /v1/webhooks)"),
  })
  .strict();

/** A new hook of the caller's tenant (admins only). */
export const WebhookCreateRequest = z
  .object({
    url: z.url({ protocol: /^https?$/, error: "url must be an http:// or https:// URL" }).max(2000),
    events: z.array(WebhookEvent).min(1, "events: name at least one event").max(4),
    /** A note for people (what receives it). */
    description: z.string().max(200).default(""),
  })
  .strict()
  .meta({ id: "WebhookCreateRequest" });
export type WebhookCreateRequest = z.infer<typeof WebhookCreateRequest>;

export const WebhookView = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(WebhookEvent),
    description: z.string(),
    /** False once the hook was disabled after repeated failed deliveries (WEBHOOK_DISABLE_AFTER). */
    active: z.boolean(),
    /** Deliveries in a row that failed after all their attempts. */
    consecutive_failures: z.int(),
    disabled_at: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: "Webhook" });
export type WebhookView = z.infer<typeof WebhookView>;
export const WebhookList = z.object({ items: z.array(WebhookView) }).meta({ id: "WebhookList" });
/** The signing secret is in `secret`, shown this once. */
export const WebhookCreated = z
  .object({ webhook: WebhookView, secret: z.string() })
  .meta({ id: "WebhookCreated" });

/** The JSON body POSTed to a hook; signed (see the README, Webhooks). */
export const WebhookPayload = z
  .object({
    /** The same for every attempt of one delivery: receivers drop repeats by it. */
    id: z.string(),
    event: WebhookEvent,
    tenant: z.string(),
    created_at: z.string(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "WebhookPayload" });
export type WebhookPayload = z.infer<typeof WebhookPayload>;

/** One attempt of one delivery, as the log keeps it. */
export const WebhookAttempt = z
  .object({
    delivery_id: z.string(),
    event: WebhookEvent,
    attempt: z.int(),
    /** "delivered" (2xx), "retrying" (will be tried again) or "failed" (no attempts left). */
    outcome: z.enum(["delivered", "retrying", "failed"]),
    http_status: z.int().nullable(),
    error: z.string().nullable(),
    duration_ms: z.number(),
    at: z.string(),
  })
  .meta({ id: "WebhookAttempt" });
export type WebhookAttempt = z.infer<typeof WebhookAttempt>;
export const WebhookAttemptList = z
  .object({ items: z.array(WebhookAttempt) })
  .meta({ id: "WebhookAttemptList" });

/** One delivery in the queue: the exact body, signed at each attempt. */
export const WebhookJobData = z.object({
  hook_id: z.string(),
  tenant: z.string(),
  event: WebhookEvent,
  delivery_id: z.string(),
  body: z.string(),
});
export type WebhookJobData = z.infer<typeof WebhookJobData>;
