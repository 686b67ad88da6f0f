import type { Router } from "express";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import type { Logger } from "../lib/logger.js";
import type { RefusalRecorder } from "./audit.js";
import type { Caller } from "./context.js";
import { ApiError, apiErrorOf, errorHandler } from "./errors.js";
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
  /** Per-key request budget, shared by the API processes (429 with Retry-After beyond it). */
  rateLimit?: RateLimiter;
  /** Open single-user mode: only loopback Host names are answered and cross-site writes are refused. */
  openMode?: boolean;
  /** Records refusals (401/403/404) of the document routes in the audit trail. */
  auditRefusal?: RefusalRecorder;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The host name of a Host header or an Origin URL, without the port; null when there is none. */
function hostName(value: string | undefined): string | null {
  if (!value) return null;
  try {
    return new URL(value.includes("://") ? value : `http://${value}`).hostname.toLowerCase();
  } catch {
    return "";
  }
}

/**
 * Open mode has no keys, so the browser must not be tricked into calling it: a page served from
 * another name that resolves to 127.0.0.1 (DNS rebinding) sends that name as Host, and a cross-site
 * form or fetch says where it comes from in Origin / Sec-Fetch-Site. Only loopback names are
 * answered, and writes only from the same origin.
 */
export function openModeGuard(req: Request, _res: Response, next: NextFunction): void {
  const host = hostName(req.get("host"));
  if (host === null || !LOOPBACK_HOSTS.has(host)) {
    throw new ApiError(
      403,
      "forbidden_host",
      "this server runs in OPEN_MODE and answers only to http://127.0.0.1 or http://localhost: open it by that address",
    );
  }
  if (!SAFE_METHODS.has(req.method)) {
    const origin = req.get("origin");
    let originHost: string | null = null;
    try {
      originHost = origin ? new URL(origin).host : null;
    } catch {
      originHost = "";
    }
    const crossOrigin = origin !== undefined && originHost !== (req.get("host") ?? "").toLowerCase();
    if (crossOrigin || req.get("sec-fetch-site") === "cross-site") {
      throw new ApiError(
        403,
        "cross_site",
        "this server runs in OPEN_MODE and accepts changes only from its own pages, not from another site",
      );
    }
  }
  next();
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
  if (parts.openMode) app.use(openModeGuard);
  for (const r of parts.publicRoutes) app.use(r);
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    try {
      const caller = await parts.authenticate(req);
      res.locals.caller = caller;
      const limiter = parts.rateLimit;
      const wait = limiter ? await limiter.take(caller.keyId) : null;
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
  const handle = errorHandler(parts.log);
  app.use(async (error: unknown, req: Request, res: Response, next: NextFunction) => {
    const refusal = apiErrorOf(error);
    if (refusal && parts.auditRefusal) {
      try {
        await parts.auditRefusal(req, res, refusal);
      } catch (failed) {
        handle(failed, req, res, next);
        return;
      }
    }
    handle(refusal ?? error, req, res, next);
  });
  return app;
}
