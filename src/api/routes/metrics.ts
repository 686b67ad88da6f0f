// GET /metrics: this API process's Prometheus metrics (src/lib/metrics.ts), for admin keys.
import { Router } from "express";
import { NoQuery } from "../../../schemas/api.js";
import { METRICS_CONTENT_TYPE, metricsText } from "../../lib/metrics.js";
import { callerOf } from "../context.js";
import { ApiError } from "../errors.js";
import { parseInput } from "../validate.js";

/** GET /metrics — the figures are the whole installation's, so only admin keys read them. */
export function metricsRoutes(): Router {
  const router = Router();
  router.get("/metrics", async (req, res) => {
    if (callerOf(res).role !== "admin")
      throw new ApiError(
        403,
        "forbidden",
        "only admin keys read /metrics: give Prometheus an admin key (authorization: Bearer …)",
      );
    parseInput(NoQuery, req.query, "query");
    res.type(METRICS_CONTENT_TYPE).send(await metricsText());
  });
  return router;
}
