import type { Router } from "express";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import type { Logger } from "../lib/logger.js";
import type { Caller } from "./context.js";
import { ApiError, errorHandler } from "./errors.js";
import type { RateLimiter } from "./rate-limit.js";

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
  /** Per-key request budget (429 with Retry-After beyond it). */
  rateLimit?: RateLimiter;
}

/**
 * Security headers on every response. API responses get a CSP that allows nothing; the web UI and
 * the original-file route set their own CSP, which replaces this one.
 */
export const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      "default-src": ["'none'"],
      "base-uri": ["'none'"],
      "form-action": ["'none'"],
      "frame-ancestors": ["'none'"],
    },
  },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
  xFrameOptions: { action: "deny" },
});

/** The Express application: public routes, then authentication, then the API, errors in one handler. */
export function createApp(parts: AppParts): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(securityHeaders);
  for (const r of parts.publicRoutes) app.use(r);
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    try {
      const caller = await parts.authenticate(req);
      res.locals.caller = caller;
      const limiter = parts.rateLimit;
      const wait = limiter ? limiter.take(caller.keyId) : null;
      if (limiter && wait !== null) {
        throw new ApiError(
          429,
          "rate_limited",
          `this key made more than ${limiter.perMinute} requests in a minute: retry in ${wait} s (RATE_LIMIT_PER_MINUTE)`,
          { "Retry-After": String(wait) },
        );
      }
      next();
    } catch (error) {
      next(error);
    }
  });
  // Bodies are read only for callers who presented a valid key.
  app.use(express.json({ limit: parts.jsonLimit ?? "64kb" }));
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
