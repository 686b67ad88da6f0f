// The web UI: static files from src/ui and pdf.js from the installed pdfjs-dist, served by the API.
// Only files found when the router is built are served (a fixed map, looked up by exact name): no
// directory listings, no path traversal, nothing fetched from outside the machine.
import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Response, Router } from "express";
import { ApiError } from "../errors.js";

/**
 * Everything the UI loads comes from this server. pdf.js renders pages in a module worker of the
 * same origin and fetches its fonts, CMaps and WebAssembly decoders from it ('wasm-unsafe-eval'
 * allows compiling those WebAssembly modules, not evaluating strings as JavaScript).
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".wasm": "application/wasm",
  ".bcmap": "application/octet-stream",
  ".pfb": "application/octet-stream",
  ".ttf": "font/ttf",
  ".icc": "application/vnd.iccprofile",
};

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Regular files of one folder (not its subfolders) with a known type, by name. */
function filesOf(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return files;
  }
  for (const name of names) {
    if (!SAFE_NAME.test(name) || !TYPES[extname(name)]) continue;
    const path = join(dir, name);
    if (statSync(path).isFile()) files.set(name, path);
  }
  return files;
}

/** The folder of the installed pdfjs-dist (a dependency of pdf-parse, hoisted or nested under it). */
function pdfjsRoot(): string | null {
  const require = createRequire(import.meta.url);
  const attempts = [
    () => require.resolve("pdfjs-dist/package.json"),
    () => createRequire(require.resolve("pdf-parse")).resolve("pdfjs-dist/package.json"),
  ];
  for (const attempt of attempts) {
    try {
      return dirname(attempt());
    } catch {
      // not resolvable this way; try the next
    }
  }
  return null;
}

export interface UiRoutesOptions {
  /** Folder of index.html, app.js, styles.css (default: src/ui). */
  uiDir?: string;
  /** Folder of the pdfjs-dist package (default: resolved from node_modules). */
  pdfjsDir?: string;
}

/** GET / (the UI), GET /ui/<file> and GET /ui/vendor/pdfjs/<file> (pdf.js and its data files). */
export function uiRoutes(options: UiRoutesOptions = {}): Router {
  const uiDir = options.uiDir ?? fileURLToPath(new URL("../../ui/", import.meta.url));
  const app = filesOf(uiDir);
  const vendor = new Map<string, string>();
  const pdfjs = options.pdfjsDir ?? pdfjsRoot();
  if (pdfjs) {
    for (const name of ["pdf.min.mjs", "pdf.worker.min.mjs"]) vendor.set(name, join(pdfjs, "build", name));
    for (const sub of ["standard_fonts", "cmaps", "wasm", "iccs"]) {
      for (const [name, path] of filesOf(join(pdfjs, sub))) vendor.set(`${sub}/${name}`, path);
    }
  }

  const send = (res: Response, path: string | undefined, what: string) => {
    if (!path) throw new ApiError(404, "not_found", `${what} not found: the web UI is at /`);
    res.set({
      "Content-Type": TYPES[extname(path)] ?? "application/octet-stream",
      "Content-Security-Policy": UI_CONTENT_SECURITY_POLICY,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Resource-Policy": "same-origin",
      "Cache-Control": "no-cache",
    });
    res.sendFile(path, { dotfiles: "deny" }, (err) => {
      if (err && !res.headersSent) {
        res
          .status(404)
          .json({ error: { code: "not_found", message: `${what} not found: the web UI is at /` } });
      }
    });
  };

  const router = Router();
  router.get("/", (_req, res) => send(res, app.get("index.html"), "the web UI"));
  router.get("/ui/vendor/pdfjs/*path", (req, res) => {
    const parts = (req.params as { path: string[] }).path;
    send(res, vendor.get(parts.join("/")), `/ui/vendor/pdfjs/${parts.join("/")}`);
  });
  router.get("/ui/:file", (req, res) => send(res, app.get(req.params.file), `/ui/${req.params.file}`));
  // Anything else under /ui is not a file of the UI (and needs no key to be told so).
  router.use("/ui", (req) => {
    throw new ApiError(404, "not_found", `${req.originalUrl.split("?")[0]} not found: the web UI is at /`);
  });
  return router;
}
