import { Router } from "express";
import { NoQuery } from "../../../schemas/api.js";
import { PUBLIC_GROUP } from "../../../schemas/document.js";
import { CreateSourceRequest, SourceIdParams, StartSyncRequest } from "../../../schemas/sources.js";
import {
  SourceExistsError,
  SourceForbiddenError,
  SourceInputError,
  type SourceService,
} from "../../app/sync/sources.js";
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

  router.post("/v1/sources", async (req, res) => {
    const caller = callerOf(res);
    mayEdit(caller, "register folders");
    parseInput(NoQuery, req.query, "query");
    const body = parseInput(CreateSourceRequest, req.body, "body");
    const groups = body.groups ?? [];
    if (caller.role !== "admin" && !caller.scope.allGroups) {
      const outside = groups.find((g) => g !== PUBLIC_GROUP && !caller.scope.groups.includes(g));
      if (outside) {
        throw new ApiError(
          403,
          "forbidden",
          `you are not in group "${outside}": share documents only with your own groups`,
        );
      }
    }
    try {
      const view = await sources.create({
        path: body.path,
        include: body.include,
        exclude: body.exclude,
        tags: body.tags,
        tenant: caller.scope.tenant,
        acl: groups.length ? groups : [PUBLIC_GROUP],
      });
      audit?.(req, res, "sources.create", { source_id: view.id, path: view.path, acl: view.groups });
      res.status(201).json(view);
    } catch (error) {
      if (error instanceof SourceInputError) throw new ApiError(400, "invalid_request", error.message);
      if (error instanceof SourceForbiddenError) throw new ApiError(403, "forbidden", error.message);
      if (error instanceof SourceExistsError) throw new ApiError(409, "source_exists", error.message);
      throw error;
    }
  });

  router.get("/v1/sources", async (req, res) => {
    parseInput(NoQuery, req.query, "query");
    res.json({ items: await sources.list(callerOf(res).scope) });
  });

  router.get("/v1/sources/:id", async (req, res) => {
    const { id } = parseInput(SourceIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const source = await sources.get(id, callerOf(res).scope);
    if (!source) throw notFound(`source ${id}`);
    res.json(await sources.view(source));
  });

  router.post("/v1/sources/:id/sync", async (req, res) => {
    const { id } = parseInput(SourceIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const caller = callerOf(res);
    mayEdit(caller, "sync folders");
    parseInput(StartSyncRequest, req.body, "body");
    const source = await sources.get(id, caller.scope);
    if (!source) throw notFound(`source ${id}`);
    const accepted = await sources.startSync(source);
    audit?.(req, res, "sources.sync", { source_id: id, ...accepted });
    res.status(202).json(accepted);
  });

  router.get("/v1/sources/:id/report", async (req, res) => {
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
  });

  return router;
}
