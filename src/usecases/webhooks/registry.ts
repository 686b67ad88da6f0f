// The webhooks of every tenant, in the store's shared records (they hold the signing secrets: the
// store is as private as the documents it holds).
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { WebhookEvent, type WebhookView } from "../../../schemas/webhooks.js";
import type { StoreLocation } from "../../store/location.js";
import { SharedRecords } from "../../store/records.js";

const StoredHook = z.object({
  id: z.string(),
  tenant: z.string(),
  url: z.string(),
  events: z.array(WebhookEvent),
  description: z.string(),
  /** The HMAC key deliveries are signed with. */
  secret: z.string(),
  active: z.boolean(),
  consecutive_failures: z.int(),
  disabled_at: z.string().nullable(),
  created_at: z.string(),
});
/** A hook as stored, secret included. */
export type StoredHook = z.infer<typeof StoredHook>;

/** A hook without its secret, as the API shows it. */
export function hookView(hook: StoredHook): WebhookView {
  const { secret: _secret, tenant: _tenant, ...view } = hook;
  return view;
}

/** Webhooks in the store (shared by API replicas and workers); every read and change is per tenant. */
export class WebhookRegistry {
  private readonly records: SharedRecords<StoredHook>;

  /**
   * The hooks of the store; DATA_DIR/webhooks.json of earlier versions is imported once. Read afresh
   * each time (a few rows, read once per event): a hook counts from the event after its creation.
   */
  constructor(store: StoreLocation, options: { dataDir?: string } = {}) {
    this.records = new SharedRecords(store, "webhooks", StoredHook, (h) => h.id, {
      refreshMs: 0,
      legacyFile: options.dataDir
        ? { path: join(options.dataDir, "webhooks.json"), field: "hooks" }
        : undefined,
    });
  }

  /** A new hook with a new secret (returned once). */
  async create(
    tenant: string,
    input: { url: string; events: WebhookEvent[]; description: string },
  ): Promise<StoredHook> {
    const hook: StoredHook = {
      id: `wh_${randomBytes(8).toString("hex")}`,
      tenant,
      url: input.url,
      events: [...new Set(input.events)],
      description: input.description,
      secret: `whsec_${randomBytes(24).toString("base64url")}`,
      active: true,
      consecutive_failures: 0,
      disabled_at: null,
      created_at: new Date().toISOString(),
    };
    await this.records.put(hook);
    return hook;
  }

  async list(tenant: string): Promise<StoredHook[]> {
    return (await this.records.all())
      .filter((h) => h.tenant === tenant)
      .sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /** A hook of the tenant (another tenant's is answered like a missing one). */
  async get(tenant: string, id: string): Promise<StoredHook | null> {
    return (await this.list(tenant)).find((h) => h.id === id) ?? null;
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    if (!(await this.get(tenant, id))) return false;
    await this.records.remove(id);
    return true;
  }

  /** Active hooks of the tenant that subscribe to the event. */
  async subscribers(tenant: string, event: WebhookEvent): Promise<StoredHook[]> {
    return (await this.list(tenant)).filter((h) => h.active && h.events.includes(event));
  }

  /**
   * Count a delivery's final outcome: a success resets the count; the `disableAfter`-th failure in a
   * row disables the hook. Returns the hook as it is now (null when it was deleted meanwhile).
   */
  async recordOutcome(
    tenant: string,
    id: string,
    delivered: boolean,
    disableAfter: number,
  ): Promise<StoredHook | null> {
    let found = false;
    const updated = await this.records.change(id, (hook) => {
      found = hook !== null && hook.tenant === tenant;
      if (!hook || !found) return null;
      const failures = delivered ? 0 : hook.consecutive_failures + 1;
      const disable = hook.active && failures >= disableAfter;
      return {
        ...hook,
        consecutive_failures: failures,
        active: hook.active && !disable,
        disabled_at: disable ? new Date().toISOString() : hook.disabled_at,
      };
    });
    return found ? updated : null;
  }

  close(): Promise<void> {
    return this.records.close();
  }
}
