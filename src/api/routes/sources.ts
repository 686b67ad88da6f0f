// /v1/sources: register folder sources, list and read them with live sync counts, start a sync,
// read the coverage report of the last one.
import { type RequestHandler, Router } from "express";
import { NoQuery } from "../../../schemas/api.js";
import { CreateSourceRequest, SourceIdParams, StartSyncRequest } from "../../../schemas/sources.js";
import { assertMayShareWith } from "../../access/scope.js";
import type { SourceService } from "../../usecases/sync/sources.js";
import type { AuditRecorder } from "../audit.js";
import { type Caller, callerOf } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import { parseInput } from "../validate.js";

function mayEdit(caller: Caller, what: string): void {
  if (caller.role === "reader")
    throw new ApiError(403, "forbidden", `this key may read but not ${what}: use an editor or admin key`);
}

/** Folder sources: register, list, read with live sync counts, start a sync, coverage report. */
export function sourceRoutes(sources: SourceService, audit?: AuditRecorder): Router {
  const router = Router();
  router.post("/v1/sources", createSource(sources, audit));
  router.get("/v1/sources", listSources(sources));
  router.get("/v1/sources/:id", viewSource(sources));
  router.post("/v1/sources/:id/sync", startSourceSync(sources, audit));
  router.get("/v1/sources/:id/report", sourceReport(sources));
  return router;
}

/** POST /v1/sources: register a folder, shared with the caller's own groups only. */
function createSource(sources: SourceService, audit?: AuditRecorder): RequestHandler {
  return async (req, res) => {
    const caller = callerOf(res);
    mayEdit(caller, "register folders");
    parseInput(NoQuery, req.query, "query");
    const body = parseInput(CreateSourceRequest, req.body, "body");
    const groups = body.groups ?? [];
    assertMayShareWith(caller.role, caller.scope, groups);
    const view = await sources.create({
      path: body.path,
      include: body.include,
      exclude: body.exclude,
      tags: body.tags,
      tenant: caller.scope.tenant,
      acl: groups.length ? groups : null,
      registrar: { role: caller.role, scope: caller.scope },
    });
    await audit?.(req, res, "sources.create", { source_id: view.id, path: view.path, acl: view.groups });
    res.status(201).json(view);
  };
}

/** GET /v1/sources: the sources the caller may see. */
function listSources(sources: SourceService): RequestHandler {
  return async (req, res) => {
    parseInput(NoQuery, req.query, "query");
    res.json({ items: await sources.list(callerOf(res).scope) });
  };
}

/** GET /v1/sources/:id: one source with its live sync counts. */
function viewSource(sources: SourceService): RequestHandler {
  return async (req, res) => {
    const { id } = parseInput(SourceIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const source = await sources.get(id, callerOf(res).scope);
    if (!source) throw notFound(`source ${id}`);
    res.json(await sources.view(source));
  };
}

/** POST /v1/sources/:id/sync: queue a sync of the folder. */
function startSourceSync(sources: SourceService, audit?: AuditRecorder): RequestHandler {
  return async (req, res) => {
    const { id } = parseInput(SourceIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const caller = callerOf(res);
    mayEdit(caller, "sync folders");
    const body = parseInput(StartSyncRequest, req.body ?? {}, "body");
    const source = await sources.get(id, caller.scope);
    if (!source) throw notFound(`source ${id}`);
    const allowMassDelete = body.allow_mass_delete === true;
    const accepted = await sources.startSync(source, { allowMassDelete });
    await audit?.(req, res, "sources.sync", {
      source_id: id,
      ...accepted,
      ...(allowMassDelete ? { allow_mass_delete: true } : {}),
    });
    res.status(202).json(accepted);
  };
}

/** GET /v1/sources/:id/report: the coverage report of the last sync. */
function sourceReport(sources: SourceService): RequestHandler {
  return async (req, res) => {
    const { id } = parseInput(SourceIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const scope = callerOf(res).scope;
    const source = await sources.get(id, scope);
    if (!source) throw notFound(`source ${id}`);
    const report = await sources.report(source, scope);
    if (!report) {
      throw new ApiError(
        404,
        "not_synced",
        `source ${id} has not been synced yet: start a sync (POST /v1/sources/${id}/sync), then ask again`,
      );
    }
    res.json(report);
  };
}
