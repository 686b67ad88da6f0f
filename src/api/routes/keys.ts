import { Router } from "express";
import { KeyCreateRequest, KeyIdParams, NoQuery } from "../../../schemas/api.js";
import type { KeyStore } from "../../access/keys.js";
import type { AuditRecorder } from "../audit.js";
import { type Caller, callerOf } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import { parseInput } from "../validate.js";

function requireAdmin(caller: Caller): void {
  if (caller.role !== "admin")
    throw new ApiError(403, "forbidden", "only admin keys manage keys: ask an administrator of your tenant");
}

/** GET/POST /v1/keys and DELETE /v1/keys/:id — admins manage the keys of their own tenant. */
export function keyRoutes(keys: KeyStore, audit?: AuditRecorder): Router {
  const router = Router();

  router.get("/v1/keys", async (req, res) => {
    const caller = callerOf(res);
    requireAdmin(caller);
    parseInput(NoQuery, req.query, "query");
    res.json({ items: (await keys.list()).filter((k) => k.tenant === caller.scope.tenant) });
  });

  router.post("/v1/keys", async (req, res) => {
    const caller = callerOf(res);
    requireAdmin(caller);
    parseInput(NoQuery, req.query, "query");
    const body = parseInput(KeyCreateRequest, req.body, "body");
    const { key, info } = await keys.create({
      tenant: caller.scope.tenant,
      groups: body.groups,
      role: body.role,
      label: body.label,
    });
    await audit?.(req, res, "keys.create", {
      subject: { id: info.id, tenant: info.tenant, role: info.role, groups: info.groups },
    });
    res.status(201).json({ key, info });
  });

  router.delete("/v1/keys/:id", async (req, res) => {
    const caller = callerOf(res);
    requireAdmin(caller);
    parseInput(NoQuery, req.query, "query");
    const { id } = parseInput(KeyIdParams, req.params, "path");
    // Another tenant's key is answered exactly like a key that does not exist.
    const known = (await keys.list()).find((k) => k.id === id && k.tenant === caller.scope.tenant);
    if (!known || !(await keys.revoke(id))) throw notFound(`active key ${id}`);
    await audit?.(req, res, "keys.revoke", { subject: { id, tenant: known.tenant, role: known.role } });
    res.status(204).end();
  });

  return router;
}
