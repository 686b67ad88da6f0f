import { Router } from "express";
import { JobIdParams } from "../../../schemas/api.js";
import type { IngestQueue } from "../../queue/ingest-queue.js";
import { callerOf } from "../context.js";
import { notFound } from "../errors.js";
import { parseInput } from "../validate.js";

/** GET /v1/jobs/:id — state and progress of an ingest job the caller may see. */
export function jobRoutes(queue: IngestQueue): Router {
  const router = Router();
  router.get("/v1/jobs/:id", async (req, res) => {
    const { id } = parseInput(JobIdParams, req.params, "path");
    const job = await queue.get(id);
    const scope = callerOf(res).scope;
    const visible =
      job !== null &&
      job.data.tenant === scope.tenant &&
      (scope.allGroups || job.data.acl.some((g) => scope.groups.includes(g)));
    if (!job || !visible) throw notFound(`job ${id}`);
    res.json({
      id: job.id,
      state: job.state,
      progress: job.progress,
      attempts: job.attempts,
      failed_reason: job.failed_reason,
      document_id: job.data.document_id,
    });
  });
  return router;
}
