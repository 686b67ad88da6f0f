// Errors over HTTP: the ApiError a client can act on, the one table that maps each domain error to
// its status and code, and the one handler every route's failure goes through.
import type { NextFunction, Request, Response } from "express";
import type { ZodError } from "zod";
import type { ErrorBody } from "../../schemas/api.js";
import { ShareForbiddenError } from "../access/scope.js";
import { BusyError } from "../answer/limiter.js";
import type { Logger } from "../lib/logger.js";
import { recordTooManyRequests } from "../lib/metrics.js";
import { InputTooLongError } from "../models/embedder.js";
import { GenerationIncompleteError } from "../models/generator.js";
import { TemplateError } from "../review/templates.js";
import { FileChangedError } from "../usecases/files.js";
import { ReviewBusyError, ReviewInputError } from "../usecases/review.js";
import {
  SourceExistsError,
  SourceForbiddenError,
  SourceInputError,
  SourceOverlapError,
} from "../usecases/sync/sources.js";
import { WebhookAddressError } from "../usecases/webhooks/deliver.js";

/** An error the client can act on: HTTP status, stable code, and a message that says what to fix. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);

/** How one kind of domain error goes out: status, stable code, and (when not its own) message and headers. */
interface ErrorMapping {
  matches: (error: unknown) => boolean;
  status: number;
  code: string;
  message?: (error: Error) => string;
  headers?: (error: Error) => Record<string, string>;
}

/** A mapping for the errors of one class (its message and headers read from an error of that class). */
function mapping<E extends Error>(
  type: new (...args: never[]) => E,
  status: number,
  code: string,
  how: { message?: (error: E) => string; headers?: (error: E) => Record<string, string> } = {},
): ErrorMapping {
  return {
    matches: (error) => error instanceof type,
    status,
    code,
    message: how.message as ErrorMapping["message"],
    headers: how.headers as ErrorMapping["headers"],
  };
}

/** Every domain error a client can act on, by class; anything not here is a 500. */
const DOMAIN_ERRORS: readonly ErrorMapping[] = [
  mapping(BusyError, 429, "busy", { headers: (e) => ({ "Retry-After": String(e.retryAfterSeconds) }) }),
  mapping(InputTooLongError, 400, "query_too_long", {
    message: (e) =>
      `the question is too long for the embedding model (${e.tokens} tokens, at most ${e.maxTokens}): shorten it`,
  }),
  {
    // AbortSignal.timeout's DOMException: the answer ran past ASK_TIMEOUT_MS.
    matches: (error) => (error as Error | null)?.name === "TimeoutError",
    status: 504,
    code: "timeout",
    message: () =>
      "the answer took longer than ASK_TIMEOUT_MS allows: ask a narrower question or retry when the server is less busy",
  },
  mapping(GenerationIncompleteError, 502, "generation_incomplete", {
    message: (e) => `${e.message}: retry, or ask a narrower question`,
  }),
  mapping(TemplateError, 400, "invalid_template"),
  mapping(ReviewInputError, 400, "invalid_request"),
  mapping(ReviewBusyError, 409, "review_running"),
  mapping(SourceInputError, 400, "invalid_request"),
  mapping(SourceForbiddenError, 403, "forbidden"),
  mapping(ShareForbiddenError, 403, "forbidden"),
  mapping(SourceExistsError, 409, "source_exists"),
  mapping(SourceOverlapError, 409, "source_overlap"),
  mapping(WebhookAddressError, 400, "webhook_url_refused"),
  mapping(FileChangedError, 409, "file_changed", {
    message: (e) =>
      `${e.message}, so it is not served: ${e.fromSource ? "sync its source again" : "upload it again"}`,
  }),
];

/** The error as the ApiError a client gets (itself if it is one), or null when it is not one to show. */
export function apiErrorOf(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  const known = DOMAIN_ERRORS.find((m) => m.matches(error));
  if (!known) return null;
  const e = error as Error;
  return new ApiError(
    known.status,
    known.code,
    known.message ? known.message(e) : e.message,
    known.headers ? known.headers(e) : {},
  );
}

/**
 * Text from below the API (a worker's failure reason) with file-system paths blanked out, so no
 * response tells a client where Cited keeps its files.
 */
export function withoutPaths(text: string): string {
  return text
    .replace(/(?<![\w.:/])(?:[A-Za-z]:)?[\\/](?:[\w.@+~-]+[\\/])+[\w.@+~-]*/g, "[path]")
    .replace(/file:\/\/\S+/g, "[path]");
}

/** A zod failure as one readable 400: each problem as "where: what". */
export function validationError(error: ZodError, where: string): ApiError {
  const problems = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length ? issue.path.join(".") : where;
    const message =
      issue.code === "unrecognized_keys"
        ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}; remove ${issue.keys.length > 1 ? "them" : "it"}`
        : issue.message;
    return `${path}: ${message}`;
  });
  return new ApiError(400, "invalid_request", `invalid ${where}: ${problems.join("; ")}`);
}

function body(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** What the body parser or multer says about a request they failed to read. */
interface ReadFailure {
  name?: string;
  type?: string;
  status?: number;
  code?: string;
  message?: string;
  field?: string;
}

/** Multer's and busboy's words for a multipart body that cannot be parsed. */
const MALFORMED_MULTIPART = new Set([
  "Multipart: Boundary not found",
  "Unexpected end of form",
  "Unexpected end of file",
  "Malformed part header",
  "Malformed content type",
]);

/** A multipart upload multer could not take, as the 4xx that says what to send instead. */
function uploadError(e: ReadFailure): ApiError | null {
  if (e.code === "LIMIT_FILE_SIZE")
    return new ApiError(
      413,
      "file_too_large",
      "a file is larger than the upload limit (UPLOAD_MAX_BYTES): split it or ask the operator to raise the limit",
    );
  if (e.name === "MulterError" && e.code === "MISSING_FIELD_NAME")
    return new ApiError(
      400,
      "invalid_upload",
      'a multipart part has no field name: send files in the field "files"',
    );
  if (typeof e.code === "string" && (e.code.startsWith("LIMIT_") || e.name === "MulterError")) {
    const message =
      e.code === "LIMIT_UNEXPECTED_FILE"
        ? `unexpected file field "${e.field}": send files in the multipart field "files"`
        : `upload refused (${e.message}): send at most 1000 files per request in the multipart field "files"`;
    return new ApiError(400, "invalid_upload", message);
  }
  if (MALFORMED_MULTIPART.has(e.message ?? "") || e.message?.startsWith("Unsupported content type"))
    return new ApiError(
      400,
      "invalid_upload",
      'the multipart body is malformed: send multipart/form-data with files in the field "files"',
    );
  return null;
}

/** A request body that could not be read (too large, bad JSON, bad upload) as a plain 4xx, or null. */
function unreadableRequestError(error: unknown): ApiError | null {
  const e = error as ReadFailure;
  if (e.type === "entity.too.large")
    return new ApiError(413, "payload_too_large", "the request body is too large: send a smaller JSON body");
  if (e.type === "entity.parse.failed")
    return new ApiError(400, "invalid_json", "the request body is not valid JSON: check quotes and commas");
  const upload = uploadError(e);
  if (upload) return upload;
  if (typeof e.status === "number" && e.status >= 400 && e.status < 500)
    return new ApiError(e.status, "bad_request", "the request could not be read: check its headers and body");
  return null;
}

/**
 * The one error handler: ApiErrors and the domain errors of the table go out with their status;
 * body-parser and multer errors become 4xx with a plain message; anything else is logged and
 * answered 500 without stack traces or paths.
 */
export function errorHandler(log: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      res.end();
      return;
    }
    const known = apiErrorOf(error) ?? unreadableRequestError(error);
    if (known) {
      // Every 429 leaves here: the key's rate limit and a full answer line alike.
      if (known.status === 429) recordTooManyRequests(known.code);
      res.set(known.headers).status(known.status).json(body(known.code, known.message));
      return;
    }
    log.error({ err: error, method: req.method, path: req.path }, "request failed");
    res
      .status(500)
      .json(body("internal_error", "something went wrong on the server; the error is in the server log"));
  };
}
