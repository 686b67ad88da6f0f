// Audit records of requests: what a key did (answers, searches, document reads, changes) and what it
// was refused on the document routes. A record that cannot be written fails the request.
import type { Request, Response } from "express";
import type { AuditTrail } from "../access/audit.js";
import type { Logger } from "../lib/logger.js";
import { callerOf } from "./context.js";
import { ApiError } from "./errors.js";

/** Records what a request did in the audit trail, as the key that made it; rejects with a 500 ApiError when it cannot. */
export type AuditRecorder = (
  req: Request,
  res: Response,
  event: string,
  fields: Record<string, unknown>,
) => Promise<void>;

/** Records a refused request (401/403/404) on the document routes; rejects like AuditRecorder. */
export type RefusalRecorder = (req: Request, res: Response, error: ApiError) => Promise<void>;

/** The route a request matched, e.g. "POST /v1/documents/:id" (the pattern, not the ids in it). */
export function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return `${req.method} ${req.baseUrl}${typeof path === "string" ? path : req.path}`;
}

const auditFailed = () =>
  new ApiError(
    500,
    "audit_failed",
    "the request was not completed because the audit trail could not be written: the operator must check the server log (disk full? permissions?)",
  );

/**
 * An AuditRecorder over the log. The request waits for its record: a read or change that cannot be
 * audited is not answered (500 audit_failed), and the cause is logged.
 */
export function auditRecorder(audit: AuditTrail, log: Logger): AuditRecorder {
  return async (req, res, event, fields) => {
    const caller = callerOf(res);
    try {
      await audit.append({
        ...fields,
        event,
        key_id: caller.keyId,
        tenant: caller.scope.tenant,
        route: routeOf(req),
      });
    } catch (err) {
      log.error({ err, event }, "could not write the audit trail");
      throw auditFailed();
    }
  };
}

/** The document id in a document route's path, if any. */
const documentIdOf = (path: string) => /^\/v1\/documents\/([^/]+)/.exec(path)?.[1] ?? null;

/**
 * A RefusalRecorder: 401, 403 and 404 answers on /v1/documents… are recorded with the key (or the key
 * id a request presented without a valid key: "none") and the document asked for.
 */
export function refusalRecorder(audit: AuditTrail, log?: Logger): RefusalRecorder {
  return async (req, res, error) => {
    if (!req.path.startsWith("/v1/documents") || ![401, 403, 404].includes(error.status)) return;
    const caller = res.locals.caller as { keyId: string; scope: { tenant: string } } | undefined;
    try {
      await audit.append({
        event: "documents.refused",
        key_id: caller?.keyId ?? "none",
        tenant: caller?.scope.tenant ?? "",
        route: `${req.method} ${req.path}`,
        status: error.status,
        code: error.code,
        document_id: documentIdOf(req.path),
      });
    } catch (err) {
      log?.error({ err }, "could not write the audit trail");
      throw auditFailed();
    }
  };
}
