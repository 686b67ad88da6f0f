import { mkdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { Router } from "express";
import multer from "multer";
import {
  DocumentIdParams,
  DocumentListQuery,
  NoQuery,
  PageParams,
  UploadFields,
} from "../../../schemas/api.js";
import { PUBLIC_GROUP } from "../../../schemas/document.js";
import { type Intake, removeDocument } from "../../app/intake.js";
import type { DocumentRepository } from "../../store/documents.js";
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
  filesDir: string;
  /** Largest file accepted. */
  maxBytes: number;
  /** Records uploads and deletions in the audit trail. */
  audit?: AuditRecorder;
}

const list = (v: string | string[] | undefined) =>
  (Array.isArray(v) ? v : v ? [v] : [])
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean);

export function documentRoutes(deps: DocumentRoutesDeps): Router {
  mkdirSync(deps.uploadDir, { recursive: true });
  const upload = multer({
    dest: deps.uploadDir,
    limits: { fileSize: deps.maxBytes, files: 1000, fields: 20, fieldSize: 64 * 1024 },
  });
  const router = Router();

  router.post("/v1/documents", upload.array("files"), async (req, res) => {
    const files = (req.files as Express.Multer.File[] | undefined) ?? [];
    try {
      const caller = callerOf(res);
      if (caller.role === "reader")
        throw new ApiError(403, "forbidden", "this key may read but not upload: use an editor or admin key");
      parseInput(NoQuery, req.query, "query");
      const fields = parseInput(UploadFields, req.body, "upload fields");
      if (files.length === 0) {
        throw new ApiError(
          400,
          "no_files",
          'no files received: send multipart/form-data with one or more files in the field "files"',
        );
      }
      const tags = list(fields.tags);
      if (tags.length > 100) throw new ApiError(400, "invalid_request", "too many tags: at most 100");
      const badTag = tags.find((t) => !/^[\w.-]{1,64}$/.test(t));
      if (badTag)
        throw new ApiError(
          400,
          "invalid_request",
          `invalid tag "${badTag}": tags use letters, digits, _ . - (at most 64)`,
        );
      const groups = list(fields.groups);
      if (groups.length > 100) throw new ApiError(400, "invalid_request", "too many groups: at most 100");
      const badGroup = groups.find((g) => !/^[\w.-]{1,64}$/.test(g));
      if (badGroup)
        throw new ApiError(
          400,
          "invalid_request",
          `invalid group "${badGroup}": groups use letters, digits, _ . - (at most 64)`,
        );
      if (caller.role !== "admin") {
        const outside = groups.find((g) => g !== PUBLIC_GROUP && !caller.scope.groups.includes(g));
        if (outside && !caller.scope.allGroups) {
          throw new ApiError(
            403,
            "forbidden",
            `you are not in group "${outside}": share documents only with your own groups`,
          );
        }
      }
      const result = await deps.intake.accept(
        files.map((f) => ({
          name: Buffer.from(f.originalname, "latin1").toString("utf8"),
          path: f.path,
          size: f.size,
        })),
        { tenant: caller.scope.tenant, acl: groups.length ? groups : [PUBLIC_GROUP], tags },
        caller.scope,
      );
      deps.audit?.(req, res, "documents.upload", {
        acl: groups.length ? groups : [PUBLIC_GROUP],
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
  });

  router.get("/v1/documents", async (req, res) => {
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
  });

  router.get("/v1/documents/:id", async (req, res) => {
    const { id } = parseInput(DocumentIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const doc = await deps.documents.get(id, callerOf(res).scope);
    if (!doc) throw notFound(`document ${id}`);
    res.json(documentView(doc));
  });

  router.get("/v1/documents/:id/pages/:page", async (req, res) => {
    const { id, page } = parseInput(PageParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const scope = callerOf(res).scope;
    const pages = await deps.documents.pages(id, scope);
    const found = pages.find((p) => p.page === page);
    if (!found) throw notFound(pages.length ? `page ${page} of document ${id}` : `document ${id}`);
    res.json({
      document_id: id,
      page,
      text: found.text,
      text_source: found.text_source,
      ocr_confidence: found.ocr_confidence,
    });
  });

  router.get("/v1/documents/:id/chunks", async (req, res) => {
    const { id } = parseInput(DocumentIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const scope = callerOf(res).scope;
    if (!(await deps.documents.get(id, scope))) throw notFound(`document ${id}`);
    const chunks = await deps.documents.chunks(id, scope);
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
  });

  router.get("/v1/documents/:id/file", async (req, res) => {
    const { id } = parseInput(DocumentIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const doc = await deps.documents.get(id, callerOf(res).scope);
    if (!doc) throw notFound(`document ${id}`);
    const types: Record<string, string> = { pdf: "application/pdf", html: "text/plain; charset=utf-8" };
    res.set("Content-Type", types[doc.type ?? ""] ?? "text/plain; charset=utf-8");
    res.set("Content-Disposition", `inline; filename*=UTF-8''${encodeURIComponent(doc.name)}`);
    res.set("Content-Security-Policy", "default-src 'none'; sandbox");
    res.sendFile(doc.file_path, (err) => {
      if (err && !res.headersSent)
        res
          .status(404)
          .json({ error: { code: "not_found", message: "the file is no longer stored: upload it again" } });
    });
  });

  router.delete("/v1/documents/:id", async (req, res) => {
    const { id } = parseInput(DocumentIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const caller = callerOf(res);
    if (caller.role === "reader")
      throw new ApiError(403, "forbidden", "this key may read but not delete: use an editor or admin key");
    const doc = await deps.documents.get(id, caller.scope);
    if (!doc) throw notFound(`document ${id}`);
    await removeDocument(deps.documents, doc, deps.filesDir);
    deps.audit?.(req, res, "documents.delete", { document_id: doc.id, name: doc.name });
    res.status(204).end();
  });

  return router;
}
