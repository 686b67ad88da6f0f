// Talking to the Cited API from the browser: the API key, JSON requests, the answer stream and
// uploads with progress. Every request goes to this same server.
import { t } from "./i18n.js";

/** @typedef {import("../../schemas/api.js").AskResponse} AskResponse */
/** @typedef {import("../../schemas/api.js").Citation} Citation */
/** @typedef {import("../../schemas/api.js").ErrorBody} ErrorBody */
/** @typedef {import("../../schemas/api.js").Passage} Passage */
/** @typedef {import("../../schemas/api.js").SearchFilters} SearchFilters */
/** @typedef {import("../../schemas/api.js").UploadResponse} UploadResponse */

/** What the UI sends to POST /v1/ask (top_k left to the server). */
/** @typedef {{ question: string, filters?: SearchFilters }} AskBody */
/**
 * The Server-Sent Events of POST /v1/ask, as [name, data] (src/api/routes/answers.ts writes them).
 * @typedef {["passages", { passages: Passage[] }]
 *   | ["token", { text: string }]
 *   | ["citation", Citation]
 *   | ["done", AskResponse]
 *   | ["error", { error?: { code?: string, message?: string } }]} AskEvent
 */

const KEY_ITEM = "cited.apiKey";

/** fetch()'s options, where a JSON request may give its body as a value to be encoded. */
/** @typedef {Omit<RequestInit, "body" | "headers"> & { body?: unknown, headers?: Record<string, string> }} JsonInit */
/** @typedef {Omit<RequestInit, "headers"> & { headers?: Record<string, string> }} ApiInit */

/** The API key of this browser tab (sessionStorage: gone when the tab closes). */
export const apiKey = {
  get: () => sessionStorage.getItem(KEY_ITEM),
  /** @param {string} key */
  set: (key) => sessionStorage.setItem(KEY_ITEM, key),
  clear: () => sessionStorage.removeItem(KEY_ITEM),
};

/** The server refused the key (401); `message` is the server's own sentence. */
export class AuthError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "AuthError";
  }
}

/** Any other unsuccessful answer, with its status, error code and Retry-After (seconds) if any. */
export class ApiFailure extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {number | null} [retryAfter]
   */
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.name = "ApiFailure";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** @type {(message: string) => void} */
let onUnauthorized = () => {};

/**
 * Whether a request failed because it was stopped (AbortController), not because it went wrong.
 * @param {unknown} error
 */
export function isAbortError(error) {
  return typeof error === "object" && error !== null && "name" in error && error.name === "AbortError";
}
/**
 * Called with the server's message whenever a request answers 401.
 * @param {(message: string) => void} handler
 */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/**
 * Headers with the key of this tab, if any.
 * @param {Record<string, string>} [extra]
 * @returns {Record<string, string>}
 */
export function authHeaders(extra = {}) {
  const key = apiKey.get();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : { ...extra };
}

/** @param {string | null} value */
function retryAfterSeconds(value) {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(1, Math.ceil((date - Date.now()) / 1000));
}

/**
 * Turn a non-2xx response into AuthError / ApiFailure with the server's message.
 * @param {Response} res
 */
async function failure(res) {
  let code = "http_error";
  let message = t("api.status", { status: `${res.status} ${res.statusText}`.trim() });
  try {
    /** @type {ErrorBody | null} */
    const body = await res.json();
    if (body?.error?.message) {
      code = body.error.code ?? code;
      message = body.error.message;
    }
  } catch {
    // not a JSON error body: keep the status line
  }
  if (res.status === 401) {
    onUnauthorized(message);
    return new AuthError(message);
  }
  return new ApiFailure(res.status, code, message, retryAfterSeconds(res.headers.get("retry-after")));
}

/**
 * fetch() against the API with the key; network failures become ApiFailure with a plain message.
 * @param {string} path
 * @param {ApiInit} [init]
 */
export async function request(path, init = {}) {
  let res;
  try {
    res = await fetch(path, { ...init, headers: authHeaders(init.headers ?? {}) });
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw new ApiFailure(0, "network", t("api.unreachable"));
  }
  if (!res.ok) throw await failure(res);
  return res;
}

/**
 * A JSON request; resolves to the parsed body (null for 204), of the type the caller expects.
 * @template T
 * @param {string} path
 * @param {JsonInit} [init]
 * @returns {Promise<T>}
 */
export async function json(path, init = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json", ...(init.headers ?? {}) };
  /** @type {ApiInit} */
  const options = { ...init, body: /** @type {BodyInit | undefined} */ (init.body), headers };
  if (init.body !== undefined && typeof init.body !== "string") {
    options.body = JSON.stringify(init.body);
    headers["content-type"] = "application/json";
  }
  const res = await request(path, options);
  return res.status === 204 ? /** @type {T} */ (null) : res.json();
}

/**
 * POST /v1/ask as a stream. EventSource cannot POST, so the body is read with fetch and a
 * ReadableStream; `onEvent(name, data)` is called for every Server-Sent Event.
 */
/**
 * @param {AskBody} body
 * @param {(...event: AskEvent) => void} onEvent
 * @param {AbortSignal} signal
 */
export async function askStream(body, onEvent, signal) {
  const res = await request("/v1/ask", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ ...body, stream: true }),
    signal,
  });
  const stream = /** @type {ReadableStream<AllowSharedBufferSource>} */ (res.body);
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    for (;;) {
      const end = /\r?\n\r?\n/.exec(buffer);
      if (!end) break;
      const block = buffer.slice(0, end.index);
      buffer = buffer.slice(end.index + end[0].length);
      const event = parseEvent(block);
      if (event) onEvent(.../** @type {AskEvent} */ ([event.name, event.data]));
    }
  }
}

/**
 * One Server-Sent Event: its name and its data (parsed as JSON when it is JSON).
 * @param {string} block
 * @returns {{ name: string, data: unknown } | null}
 */
function parseEvent(block) {
  let name = "message";
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") name = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0) return null;
  try {
    return { name, data: JSON.parse(data.join("\n")) };
  } catch {
    return { name, data: data.join("\n") };
  }
}

/**
 * Upload one file to POST /v1/documents with XMLHttpRequest (fetch has no upload progress).
 * `onProgress(fraction)` follows the bytes sent; resolves to the server's 202 body.
 * @param {File} file
 * @param {string} tags comma-separated
 * @param {(fraction: number) => void} onProgress
 * @returns {Promise<UploadResponse>}
 */
export function uploadFile(file, tags, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("files", file, file.name);
    if (tags) form.append("tags", tags);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/documents");
    for (const [name, value] of Object.entries(authHeaders({ accept: "application/json" })))
      xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener("load", () => {
      /** @type {(UploadResponse & Partial<ErrorBody>) | null} */
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(/** @type {UploadResponse} */ (body)); // a 2xx of this route is always JSON
        return;
      }
      const message = body?.error?.message ?? t("api.status", { status: xhr.status });
      if (xhr.status === 401) {
        onUnauthorized(message);
        reject(new AuthError(message));
        return;
      }
      reject(
        new ApiFailure(
          xhr.status,
          body?.error?.code ?? "http_error",
          message,
          retryAfterSeconds(xhr.getResponseHeader("retry-after")),
        ),
      );
    });
    xhr.addEventListener("error", () => reject(new ApiFailure(0, "network", t("api.interrupted"))));
    xhr.send(form);
  });
}

/**
 * A sentence for an error a person can act on: the server's own words, capitalised and ended with a
 * full stop; anything that is not an API failure is a fault of this page.
 * @param {unknown} error
 */
export function errorSentence(error) {
  if (error instanceof ApiFailure) {
    const m = error.message;
    return (
      m.charAt(0).toUpperCase() +
      m
        .slice(1)
        .replace(/\s*$/, "")
        .replace(/([^.!?])$/, "$1.")
    );
  }
  return t("error.page");
}
