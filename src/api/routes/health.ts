import { Router } from "express";

/** Readiness probes: each answers whether one dependency works right now. */
export interface ReadinessChecks {
  redis: () => Promise<boolean>;
  store: () => Promise<boolean>;
  models: () => Promise<boolean>;
}

/** GET /healthz (the process answers) and GET /readyz (Redis, LanceDB and the models work). */
export function healthRoutes(checks: ReadinessChecks): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const safe = (check: () => Promise<boolean>) => check().catch(() => false);
    const [redis, store, models] = await Promise.all([
      safe(checks.redis),
      safe(checks.store),
      safe(checks.models),
    ]);
    const ready = redis && store && models;
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? "ready" : "not_ready", checks: { redis, store, models } });
  });
  return router;
}
