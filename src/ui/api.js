// Talking to the Cited API from the browser: the API key, JSON requests, the answer stream and
// uploads with progress. Every request goes to this same server.
import { t } from "./i18n.js";

const KEY_ITEM = "cited.apiKey";

/** The API key of this browser tab (sessionStorage: gone when the tab closes). */
export const apiKey = {
  get: () => sessionStorage.getItem(KEY_ITEM),
  set: (key) => sessionStorage.setItem(KEY_ITEM, key),
  clear: () => sessionStorage.removeItem(KEY_ITEM),
};

/** The server refused the key (401); `message` is the server's own sentence. */
export class AuthError extends Error {
  constructor(message) {
    super(message);
    this.name = "AuthError";
  }
}

/** Any other unsuccessful answer, with its status, error code and Retry-After (seconds) if any. */
export class ApiFailure extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.name = "ApiFailure";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

let onUnauthorized = () => {};
/** Called with the server's message whenever a request answers 401. */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

export function authHeaders(extra = {}) {
  const key = apiKey.get();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : { ...extra };
}

function retryAfterSeconds(value) {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(1, Math.ceil((date - Date.now()) / 1000));
}

/** Turn a non-2xx response into AuthError / ApiFailure with the server's message. */
async function failure(res) {
  let code = "http_error";
  let message = t("api.status", { status: `${res.status} ${res.statusText}`.trim() });
  try {
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

/** fetch() against the API with the key; network failures become ApiFailure with a plain message. */
export async function request(path, init = {}) {
  let res;
  try {
    res = await fetch(path, { ...init, headers: authHeaders(init.headers ?? {}) });
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiFailure(0, "network", t("api.unreachable"));
  }
  if (!res.ok) throw await failure(res);
  return res;
}

/** A JSON request; resolves to the parsed body (null for 204). */
export async function json(path, init = {}) {
  const headers = { accept: "application/json", ...(init.headers ?? {}) };
  const options = { ...init, headers };
  if (init.body !== undefined && typeof init.body !== "string") {
    options.body = JSON.stringify(init.body);
    headers["content-type"] = "application/json";
  }
  const res = await request(path, options);
  return res.status === 204 ? null : res.json();
}

/**
 * POST /v1/ask as a stream. EventSource cannot POST, so the body is read with fetch and a
 * ReadableStream; `onEvent(name, data)` is called for every Server-Sent Event.
 */
export async function askStream(body, onEvent, signal) {
  const res = await request("/v1/ask", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ ...body, stream: true }),
    signal,
  });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
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
      if (event) onEvent(event.name, event.data);
    }
  }
}

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
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(body);
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
