import { Router } from "express";
import { JobIdParams, NoQuery } from "../../../schemas/api.js";
import { canRead } from "../../access/scope.js";
import type { IngestQueue } from "../../queue/ingest-queue.js";
import { callerOf } from "../context.js";
import { notFound, withoutPaths } from "../errors.js";
import { parseInput } from "../validate.js";

/** GET /v1/jobs/:id — state and progress of an ingest job the caller may see. */
export function jobRoutes(queue: IngestQueue): Router {
  const router = Router();
  router.get("/v1/jobs/:id", async (req, res) => {
    const { id } = parseInput(JobIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const job = await queue.get(id);
    const scope = callerOf(res).scope;
    // Visible under the same rule as documents (src/access/scope.ts); otherwise the same 404 as no job.
    if (!job || !canRead(scope, job.data)) throw notFound(`job ${id}`);
    res.json({
      id: job.id,
      state: job.state,
      progress: job.progress,
      attempts: job.attempts,
      failed_reason: job.failed_reason === null ? null : withoutPaths(job.failed_reason),
      document_id: job.data.document_id,
    });
  });
  return router;
}
