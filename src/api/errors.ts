import type { NextFunction, Request, Response } from "express";
import type { ZodError } from "zod";
import type { ErrorBody } from "../../schemas/api.js";
import type { Logger } from "../lib/logger.js";

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

/**
 * The one error handler: ApiErrors go out as they are; body-parser and multer errors become 4xx with
 * a plain message; anything else is logged and answered 500 without stack traces or paths.
 */
export function errorHandler(log: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      res.end();
      return;
    }
    if (error instanceof ApiError) {
      res.set(error.headers).status(error.status).json(body(error.code, error.message));
      return;
    }
    const e = error as {
      name?: string;
      type?: string;
      status?: number;
      code?: string;
      message?: string;
      field?: string;
    };
    if (e.type === "entity.too.large") {
      res
        .status(413)
        .json(body("payload_too_large", "the request body is too large: send a smaller JSON body"));
      return;
    }
    if (e.type === "entity.parse.failed") {
      res
        .status(400)
        .json(body("invalid_json", "the request body is not valid JSON: check quotes and commas"));
      return;
    }
    if (e.code === "LIMIT_FILE_SIZE") {
      res
        .status(413)
        .json(
          body(
            "file_too_large",
            "a file is larger than the upload limit (UPLOAD_MAX_BYTES): split it or ask the operator to raise the limit",
          ),
        );
      return;
    }
    if (e.name === "MulterError" && e.code === "MISSING_FIELD_NAME") {
      res
        .status(400)
        .json(body("invalid_upload", 'a multipart part has no field name: send files in the field "files"'));
      return;
    }
    if (typeof e.code === "string" && (e.code.startsWith("LIMIT_") || e.name === "MulterError")) {
      const message =
        e.code === "LIMIT_UNEXPECTED_FILE"
          ? `unexpected file field "${e.field}": send files in the multipart field "files"`
          : `upload refused (${e.message}): send at most 1000 files per request in the multipart field "files"`;
      res.status(400).json(body("invalid_upload", message));
      return;
    }
    if (
      e.message === "Multipart: Boundary not found" ||
      e.message === "Unexpected end of form" ||
      e.message === "Unexpected end of file" ||
      e.message === "Malformed part header" ||
      e.message === "Malformed content type" ||
      e.message?.startsWith("Unsupported content type")
    ) {
      res
        .status(400)
        .json(
          body(
            "invalid_upload",
            'the multipart body is malformed: send multipart/form-data with files in the field "files"',
          ),
        );
      return;
    }
    if (typeof e.status === "number" && e.status >= 400 && e.status < 500) {
      res
        .status(e.status)
        .json(body("bad_request", "the request could not be read: check its headers and body"));
      return;
    }
    log.error({ err: error, method: req.method, path: req.path }, "request failed");
    res
      .status(500)
      .json(body("internal_error", "something went wrong on the server; the error is in the server log"));
  };
}
