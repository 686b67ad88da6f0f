import type { Router } from "express";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import type { Logger } from "../lib/logger.js";
import type { Caller } from "./context.js";
import { ApiError, errorHandler } from "./errors.js";

/** Everything the HTTP layer is built from; routes are thin adapters over these. */
export interface AppParts {
  log: Logger;
  /** Routes that need no key (health, readiness, OpenAPI document, UI assets). */
  publicRoutes: Router[];
  /** Establishes the caller of a request or answers 401/403. */
  authenticate: (req: Request) => Promise<Caller>;
  /** Routes that act for a caller. */
  routes: Router[];
  /** Largest JSON body accepted. */
  jsonLimit?: string;
}

/** The Express application: public routes, then authentication, then the API, errors in one handler. */
export function createApp(parts: AppParts): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(express.json({ limit: parts.jsonLimit ?? "64kb" }));
  for (const r of parts.publicRoutes) app.use(r);
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    try {
      res.locals.caller = await parts.authenticate(req);
      next();
    } catch (error) {
      next(error);
    }
  });
  for (const r of parts.routes) app.use(r);
  app.use((req: Request) => {
    throw new ApiError(
      404,
      "not_found",
      `no route for ${req.method} ${req.path}: see /openapi.json for the API`,
    );
  });
  app.use(errorHandler(parts.log));
  return app;
}
