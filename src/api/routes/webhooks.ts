// /v1/webhooks: admins register, list and delete their tenant's webhooks and read each one's
// delivery log. A URL that is (or resolves to) a non-public address is refused at once (SSRF).
import { Router } from "express";
import { NoQuery } from "../../../schemas/api.js";
import { WebhookCreateRequest, WebhookIdParams } from "../../../schemas/webhooks.js";
import type { WebhookQueue } from "../../queue/webhook-queue.js";
import { checkedAddress } from "../../usecases/webhooks/deliver.js";
import { hookView, type WebhookRegistry } from "../../usecases/webhooks/registry.js";
import type { AuditRecorder } from "../audit.js";
import { type Caller, callerOf } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import { parseInput } from "../validate.js";

/** What the webhook routes need. */
export interface WebhookRoutesDeps {
  /** The hooks of every tenant. */
  registry: WebhookRegistry;
  /** The delivery log. */
  queue: WebhookQueue;
  /** WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  /** Records registrations and deletions. */
  audit: AuditRecorder;
}

function requireAdmin(caller: Caller): void {
  if (caller.role !== "admin")
    throw new ApiError(
      403,
      "forbidden",
      "only admin keys manage webhooks: ask an administrator of your tenant",
    );
}

export function webhookRoutes(deps: WebhookRoutesDeps): Router {
  const router = Router();

  router.post("/v1/webhooks", async (req, res) => {
    const caller = callerOf(res);
    requireAdmin(caller);
    parseInput(NoQuery, req.query, "query");
    const body = parseInput(WebhookCreateRequest, req.body, "body");
    await checkedAddress(new URL(body.url), deps.allowPrivate);
    const hook = await deps.registry.create(caller.scope.tenant, body);
    await deps.audit(req, res, "webhooks.create", {
      subject: { id: hook.id, url: hook.url, events: hook.events },
    });
    res.status(201).json({ webhook: hookView(hook), secret: hook.secret });
  });

  router.get("/v1/webhooks", async (req, res) => {
    const caller = callerOf(res);
    requireAdmin(caller);
    parseInput(NoQuery, req.query, "query");
    res.json({ items: (await deps.registry.list(caller.scope.tenant)).map(hookView) });
  });

  router.get("/v1/webhooks/:id/deliveries", async (req, res) => {
    const caller = callerOf(res);
    requireAdmin(caller);
    parseInput(NoQuery, req.query, "query");
    const { id } = parseInput(WebhookIdParams, req.params, "path");
    if (!(await deps.registry.get(caller.scope.tenant, id))) throw notFound(`webhook ${id}`);
    res.json({ items: await deps.queue.attempts(id) });
  });

  router.delete("/v1/webhooks/:id", async (req, res) => {
    const caller = callerOf(res);
    requireAdmin(caller);
    parseInput(NoQuery, req.query, "query");
    const { id } = parseInput(WebhookIdParams, req.params, "path");
    if (!(await deps.registry.delete(caller.scope.tenant, id))) throw notFound(`webhook ${id}`);
    await deps.queue.forget(id);
    await deps.audit(req, res, "webhooks.delete", { subject: { id } });
    res.status(204).end();
  });

  return router;
}
