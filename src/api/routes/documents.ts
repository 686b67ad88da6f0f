// /v1/documents: upload files, list and read documents (metadata, pages, chunks, the original file),
// delete an uploaded one. Every read of a document is recorded in the audit trail.
import { mkdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { type NextFunction, type Request, type RequestHandler, type Response, Router } from "express";
import multer from "multer";
import {
  DocumentIdParams,
  DocumentListQuery,
  NoQuery,
  PageParams,
  UploadFields,
} from "../../../schemas/api.js";
import { PUBLIC_GROUP } from "../../../schemas/document.js";
import { isName } from "../../../schemas/names.js";
import { assertMayShareWith } from "../../access/scope.js";
import type { DocumentRepository } from "../../store/documents.js";
import type { Originals } from "../../store/originals.js";
import { openIndexedFile } from "../../usecases/files.js";
import { type Intake, removeDocument } from "../../usecases/intake.js";
import type { AuditRecorder } from "../audit.js";
import { callerOf } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import { parseInput } from "../validate.js";
import { documentView } from "../views.js";

/** What the document routes need. */
export interface DocumentRoutesDeps {
  documents: DocumentRepository;
  intake: Intake;
  /** Where uploads land before they are hashed. */
  uploadDir: string;
  /** Where Cited keeps its copy of uploaded files. */
  originals: Originals;
  /** Largest file accepted. */
  maxBytes: number;
  /** Most bytes of one upload request, all files together (UPLOAD_MAX_REQUEST_BYTES). */
  maxRequestBytes?: number;
  /** Most files in one upload request (UPLOAD_MAX_FILES). */
  maxFiles?: number;
  /** Records uploads, deletions and every read of a document in the audit trail. */
  audit?: AuditRecorder;
}

const tooLarge = (max: number) =>
  new ApiError(
    413,
    "request_too_large",
    `the upload is larger than ${max} bytes in all (UPLOAD_MAX_REQUEST_BYTES): send the files in several requests`,
  );

/**
 * Before multer reads a byte of an upload: the key may upload (a reader gets its 403 at once), and a
 * declared length within the request limit.
 */
function uploadGate(maxRequestBytes: number) {
  return (req: Request, res: Response, next: NextFunction) => {
    // Nothing of the body is parsed or stored (Node discards what the client still sends).
    if (callerOf(res).role === "reader")
      throw new ApiError(403, "forbidden", "this key may read but not upload: use an editor or admin key");
    if (Number(req.get("content-length") ?? 0) > maxRequestBytes) {
      // Too much to discard: the connection is closed after the answer.
      res.set("Connection", "close");
      throw tooLarge(maxRequestBytes);
    }
    next();
  };
}

/** Feeds the request to multer's parser, cutting it off once it has sent more than `max` bytes. */
function countedStream(max: number) {
  return (req: Request, busboy: NodeJS.WritableStream & { destroy(error?: Error): void }) => {
    let received = 0;
    req.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > max) {
        req.unpipe(busboy);
        busboy.destroy(tooLarge(max));
      }
    });
    req.pipe(busboy);
  };
}

const list = (v: string | string[] | undefined) =>
  (Array.isArray(v) ? v : v ? [v] : [])
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean);

/** Route handlers' view of the deps: the audit recorder is always there (a no-op without one). */
type Handlers = DocumentRoutesDeps & { audit: AuditRecorder };

export function documentRoutes(deps: DocumentRoutesDeps): Router {
  mkdirSync(deps.uploadDir, { recursive: true });
  const maxRequestBytes = deps.maxRequestBytes ?? Number.MAX_SAFE_INTEGER;
  const upload = multer({
    dest: deps.uploadDir,
    limits: { fileSize: deps.maxBytes, files: deps.maxFiles ?? 1000, fields: 20, fieldSize: 64 * 1024 },
    // multer 2 feeds its parser through this hook (not in @types/multer yet).
    ...{ streamHandler: countedStream(maxRequestBytes) },
  });
  const handlers: Handlers = { ...deps, audit: deps.audit ?? (async () => {}) };
  const router = Router();
  router.post("/v1/documents", uploadGate(maxRequestBytes), upload.array("files"), uploadDocuments(handlers));
  router.get("/v1/documents", listDocuments(handlers));
  router.get("/v1/documents/:id", viewDocument(handlers));
  router.get("/v1/documents/:id/pages/:page", viewPage(handlers));
  router.get("/v1/documents/:id/chunks", listChunks(handlers));
  router.get("/v1/documents/:id/file", serveFile(handlers));
  router.delete("/v1/documents/:id", deleteDocument(handlers));
  return router;
}

/** Tags or groups of an upload: comma-separated and repeatable, each a name, at most 100. */
function uploadNames(value: string | string[] | undefined, one: "tag" | "group"): string[] {
  const names = list(value);
  const plural = `${one}s`;
  if (names.length > 100) throw new ApiError(400, "invalid_request", `too many ${plural}: at most 100`);
  const bad = names.find((n) => !isName(n));
  if (bad)
    throw new ApiError(
      400,
      "invalid_request",
      `invalid ${one} "${bad}": ${plural} use letters, digits, _ . - (at most 64)`,
    );
  return names;
}

/** POST /v1/documents: record the uploaded files as documents and queue them; the temporary files go. */
function uploadDocuments(deps: Handlers): RequestHandler {
  return async (req, res) => {
    const files = (req.files as Express.Multer.File[] | undefined) ?? [];
    try {
      const caller = callerOf(res);
      parseInput(NoQuery, req.query, "query");
      const fields = parseInput(UploadFields, req.body, "upload fields");
      if (files.length === 0) {
        throw new ApiError(
          400,
          "no_files",
          'no files received: send multipart/form-data with one or more files in the field "files"',
        );
      }
      const tags = uploadNames(fields.tags, "tag");
      const groups = uploadNames(fields.groups, "group");
      assertMayShareWith(caller.role, caller.scope, groups);
      const acl = groups.length ? groups : [PUBLIC_GROUP];
      const result = await deps.intake.accept(
        files.map((f) => ({
          name: Buffer.from(f.originalname, "latin1").toString("utf8"),
          path: f.path,
          size: f.size,
        })),
        { tenant: caller.scope.tenant, acl, tags },
        caller.scope,
      );
      await deps.audit(req, res, "documents.upload", {
        acl,
        tags,
        documents: result.documents.map((d) => ({
          id: d.id,
          name: d.name,
          status: d.status,
          duplicate_of: d.duplicate_of,
        })),
      });
      res.status(202).json(result);
    } finally {
      await Promise.all(files.map((f) => rm(f.path, { force: true })));
    }
  };
}

/** GET /v1/documents: the caller's documents, filtered and paged. */
function listDocuments(deps: Handlers): RequestHandler {
  return async (req, res) => {
    const q = parseInput(DocumentListQuery, req.query, "query");
    const { items, total } = await deps.documents.list(callerOf(res).scope, {
      status: q.status,
      tag: q.tag,
      type: q.type,
      sourceId: q.source_id,
      limit: q.limit,
      offset: q.offset,
    });
    res.json({ items: items.map(documentView), total, limit: q.limit, offset: q.offset });
  };
}

/** GET /v1/documents/:id: one document's metadata. */
function viewDocument(deps: Handlers): RequestHandler {
  return async (req, res) => {
    const { id } = parseInput(DocumentIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const doc = await deps.documents.get(id, callerOf(res).scope);
    if (!doc) throw notFound(`document ${id}`);
    await deps.audit(req, res, "documents.view", { document_id: id });
    res.json(documentView(doc));
  };
}

/** GET /v1/documents/:id/pages/:page: the stored text of one page. */
function viewPage(deps: Handlers): RequestHandler {
  return async (req, res) => {
    const { id, page } = parseInput(PageParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const scope = callerOf(res).scope;
    const pages = await deps.documents.pages(id, scope);
    const found = pages.find((p) => p.page === page);
    if (!found) throw notFound(pages.length ? `page ${page} of document ${id}` : `document ${id}`);
    await deps.audit(req, res, "documents.page", { document_id: id, page });
    res.json({
      document_id: id,
      page,
      text: found.text,
      text_source: found.text_source,
      ocr_confidence: found.ocr_confidence,
    });
  };
}

/** GET /v1/documents/:id/chunks: the passages a document was cut into, with their places. */
function listChunks(deps: Handlers): RequestHandler {
  return async (req, res) => {
    const { id } = parseInput(DocumentIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const scope = callerOf(res).scope;
    if (!(await deps.documents.get(id, scope))) throw notFound(`document ${id}`);
    const chunks = await deps.documents.chunks(id, scope);
    await deps.audit(req, res, "documents.chunks", { document_id: id });
    res.json({
      items: chunks.map((c) => ({
        chunk_id: c.chunk_id,
        ordinal: c.ordinal,
        section: c.section,
        text: c.text,
        page_start: c.page_start,
        page_end: c.page_end,
        char_start: c.char_start,
        char_end: c.char_end,
        spans: JSON.parse(c.spans) as unknown[],
        token_count: c.token_count,
      })),
    });
  };
}

/** Content types the original file is served as (anything else as plain text). */
const SERVED_TYPES: Record<string, string> = { pdf: "application/pdf", html: "text/plain; charset=utf-8" };

/** GET /v1/documents/:id/file: the original file, only if it is still the one that was indexed. */
function serveFile(deps: Handlers): RequestHandler {
  return async (req, res) => {
    const { id } = parseInput(DocumentIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const doc = await deps.documents.get(id, callerOf(res).scope);
    if (!doc) throw notFound(`document ${id}`);
    const file = await openIndexedFile(doc, deps.originals);
    if (!file)
      throw new ApiError(
        404,
        "not_found",
        "the file is no longer stored: upload it again (or sync its source)",
      );
    const { fh, size } = file;
    try {
      await deps.audit(req, res, "documents.file", { document_id: id, sha256: doc.sha256 });
    } catch (error) {
      await fh.close();
      throw error;
    }
    res.set("Content-Type", SERVED_TYPES[doc.type ?? ""] ?? "text/plain; charset=utf-8");
    res.set("Content-Length", String(size));
    res.set("Content-Disposition", `inline; filename*=UTF-8''${encodeURIComponent(doc.name)}`);
    res.set("Content-Security-Policy", "default-src 'none'; sandbox");
    // From the descriptor that was checked: what was hashed is what is sent.
    await pipeline(fh.createReadStream({ start: 0 }), res).catch(() => res.destroy());
  };
}

/** DELETE /v1/documents/:id: an uploaded document, its chunks and its attachments (not a synced one). */
function deleteDocument(deps: Handlers): RequestHandler {
  return async (req, res) => {
    const { id } = parseInput(DocumentIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const caller = callerOf(res);
    if (caller.role === "reader")
      throw new ApiError(403, "forbidden", "this key may read but not delete: use an editor or admin key");
    const doc = await deps.documents.get(id, caller.scope);
    if (!doc) throw notFound(`document ${id}`);
    if (doc.source_id !== null) {
      // It would come back at the next sync: the folder decides what a source holds.
      throw new ApiError(
        409,
        "synced_document",
        `document ${id} is the file "${doc.source_path}" of source ${doc.source_id}, and the next sync would bring it back: delete it in the folder, or exclude it (cited sync <folder> --exclude "<pattern>"), then sync`,
      );
    }
    await removeDocument(deps.documents, doc, deps.originals);
    await deps.audit(req, res, "documents.delete", { document_id: doc.id, name: doc.name });
    res.status(204).end();
  };
}
