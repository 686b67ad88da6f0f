import type { Request, Response } from "express";
import type { AuditLog } from "../access/audit.js";
import type { Logger } from "../lib/logger.js";
import { callerOf } from "./context.js";

/** Records what a request did in the audit trail, as the key that made it. */
export type AuditRecorder = (
  req: Request,
  res: Response,
  event: string,
  fields: Record<string, unknown>,
) => void;

/** The route a request matched, e.g. "POST /v1/documents/:id" (the pattern, not the ids in it). */
export function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return `${req.method} ${req.baseUrl}${typeof path === "string" ? path : req.path}`;
}

/**
 * An AuditRecorder over the log. Appends are not awaited by the request (they are ordered within
 * the process); a failed append is logged as an error.
 */
export function auditRecorder(audit: AuditLog, log: Logger): AuditRecorder {
  return (req, res, event, fields) => {
    const caller = callerOf(res);
    audit
      .append({ ...fields, event, key_id: caller.keyId, tenant: caller.scope.tenant, route: routeOf(req) })
      .catch((err: unknown) => log.error({ err, event }, "could not write the audit trail"));
  };
}
