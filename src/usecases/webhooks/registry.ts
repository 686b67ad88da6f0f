// The webhooks of every tenant, in DATA_DIR/webhooks.json (mode 0600: it holds the signing secrets),
// changed under a file lock so the API and the workers never undo each other's changes.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { WebhookEvent, type WebhookView } from "../../../schemas/webhooks.js";
import { LockedJsonFile } from "../../access/locked-json.js";

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

/** Webhooks in a JSON file; every read and change is per tenant. */
export class WebhookRegistry {
  private readonly file: LockedJsonFile<StoredHook>;

  constructor(readonly path: string) {
    this.file = new LockedJsonFile(path, "hooks", StoredHook);
  }

  private read(): StoredHook[] {
    return this.file.read();
  }

  private change<T>(fn: (hooks: StoredHook[]) => { hooks: StoredHook[] | null; result: T }): T {
    return this.file.change((items) => {
      const { hooks, result } = fn(items);
      return { items: hooks, result };
    });
  }

  /** A new hook with a new secret (returned once). */
  create(tenant: string, input: { url: string; events: WebhookEvent[]; description: string }): StoredHook {
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
    return this.change((hooks) => ({ hooks: [...hooks, hook], result: hook }));
  }

  list(tenant: string): StoredHook[] {
    return this.read().filter((h) => h.tenant === tenant);
  }

  /** A hook of the tenant (another tenant's is answered like a missing one). */
  get(tenant: string, id: string): StoredHook | null {
    return this.read().find((h) => h.id === id && h.tenant === tenant) ?? null;
  }

  delete(tenant: string, id: string): boolean {
    return this.change((hooks) => {
      const kept = hooks.filter((h) => !(h.id === id && h.tenant === tenant));
      return kept.length === hooks.length ? { hooks: null, result: false } : { hooks: kept, result: true };
    });
  }

  /** Active hooks of the tenant that subscribe to the event. */
  subscribers(tenant: string, event: WebhookEvent): StoredHook[] {
    return this.list(tenant).filter((h) => h.active && h.events.includes(event));
  }

  /**
   * Count a delivery's final outcome: a success resets the count; the `disableAfter`-th failure in a
   * row disables the hook. Returns the hook as it is now (null when it was deleted meanwhile).
   */
  recordOutcome(tenant: string, id: string, delivered: boolean, disableAfter: number): StoredHook | null {
    return this.change((hooks) => {
      const hook = hooks.find((h) => h.id === id && h.tenant === tenant);
      if (!hook) return { hooks: null, result: null };
      const failures = delivered ? 0 : hook.consecutive_failures + 1;
      const disable = hook.active && failures >= disableAfter;
      const updated: StoredHook = {
        ...hook,
        consecutive_failures: failures,
        active: hook.active && !disable,
        disabled_at: disable ? new Date().toISOString() : hook.disabled_at,
      };
      return { hooks: hooks.map((h) => (h === hook ? updated : h)), result: updated };
    });
  }
}
