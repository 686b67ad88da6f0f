// Reviews as use cases: start one over documents the caller may read, fill a document's cells (the
// worker's part), show the table as the caller may see it, cancel.
import { randomUUID } from "node:crypto";
import type { DocumentRow } from "../../schemas/document.js";
import {
  type CellRerunRequest,
  type CellRow,
  ReviewCell,
  type ReviewRequest,
  type ReviewState,
  ReviewTemplate,
  type ReviewView,
} from "../../schemas/review.js";
import type { AccessScope } from "../access/scope.js";
import type { ReviewQueue } from "../queue/review-queue.js";
import type { CellExtractor } from "../review/extractor.js";
import { resolveTemplate } from "../review/templates.js";
import type { DocumentRepository } from "../store/documents.js";
import type { ReviewRepository } from "../store/reviews.js";

/** A review that cannot start as asked (the message says what to fix). */
export class ReviewInputError extends Error {
  override name = "ReviewInputError";
}

/** A review that cannot take the request now (it is still running). */
export class ReviewBusyError extends Error {
  override name = "ReviewBusyError";
}

/** What reviews are made of. */
export interface ReviewDeps {
  reviews: ReviewRepository;
  documents: DocumentRepository;
  queue: ReviewQueue;
}

/** Most documents in one review. */
export const MAX_REVIEW_DOCUMENTS = 500;

/** The ready documents a request names, as the caller may read them. */
async function documentsOf(deps: ReviewDeps, request: ReviewRequest, scope: AccessScope) {
  const list = (q: { tag?: string; sourceId?: string }) =>
    deps.documents.list(scope, { ...q, status: "ready", limit: MAX_REVIEW_DOCUMENTS, offset: 0 });
  if (request.document_ids) {
    const rows = await Promise.all(request.document_ids.map((id) => deps.documents.get(id, scope)));
    const missing = request.document_ids.filter((_, i) => !rows[i]);
    if (missing.length > 0)
      throw new ReviewInputError(`no document you may read has the id ${missing.join(", ")}`);
    const notReady = rows.filter((r) => r!.status !== "ready");
    if (notReady.length > 0)
      throw new ReviewInputError(
        `document ${notReady[0]!.id} is ${notReady[0]!.status}, not ready: review it once it is indexed`,
      );
    return rows as DocumentRow[];
  }
  if (request.source_id) return (await list({ sourceId: request.source_id })).items;
  const byTag = await Promise.all((request.tags ?? []).map((tag) => list({ tag })));
  return [...new Map(byTag.flatMap((r) => r.items).map((d) => [d.id, d])).values()];
}

/** Start a review: validate the template, resolve the documents, record the review, queue its flow. */
export async function startReview(deps: ReviewDeps, request: ReviewRequest, scope: AccessScope) {
  const template = resolveTemplate(request.template);
  const docs = await documentsOf(deps, request, scope);
  if (docs.length === 0)
    throw new ReviewInputError("no ready document you may read matches: check the ids, source or tags");
  const now = new Date().toISOString();
  const id = randomUUID();
  await deps.reviews.put({
    id,
    tenant: scope.tenant,
    acl: [...scope.groups],
    template: template.name,
    template_json: JSON.stringify(template),
    document_ids: docs.map((d) => d.id),
    state: "queued",
    created_at: now,
    updated_at: now,
  });
  await deps.queue.add(
    id,
    scope.tenant,
    docs.map((d) => d.id),
  );
  return { id, state: "queued" as const, documents: docs.length, template: template.name };
}

/** Fill every cell of one document, field by field, stopping early when the review is cancelled. */
export async function reviewDocument(
  deps: ReviewDeps & { extractor: CellExtractor },
  reviewId: string,
  documentId: string,
  scope: AccessScope,
): Promise<{ cells: number; cancelled: boolean }> {
  const review = await deps.reviews.getForWorker(reviewId);
  const doc = await deps.documents.getForWorker(documentId);
  if (!review || !doc) return { cells: 0, cancelled: false };
  const template = ReviewTemplate.parse(JSON.parse(review.template_json));
  if (review.state === "queued") await deps.reviews.setState(reviewId, "running");
  const total = template.fields.length;
  for (const [i, field] of template.fields.entries()) {
    if (await deps.queue.cancelled(reviewId)) return { cells: i, cancelled: true };
    const began = performance.now();
    const cell = await deps.extractor.cell(documentId, field, scope);
    await deps.reviews.putCells([cellRow(reviewId, doc, i, cell, performance.now() - began)]);
    await deps.queue.progress(reviewId, documentId, i + 1, total);
  }
  return { cells: total, cancelled: false };
}

function cellRow(reviewId: string, doc: DocumentRow, index: number, cell: ReviewCell, ms: number): CellRow {
  return {
    id: `${reviewId}:${doc.id}:${index}`,
    review_id: reviewId,
    document_id: doc.id,
    tenant: doc.tenant,
    acl: doc.acl,
    field: cell.field,
    cell_json: JSON.stringify(cell),
    duration_ms: ms,
  };
}

/**
 * Queue one cell of a finished review to be filled again, with the field's question in other words
 * if given; null when the caller may not see the review. The cell keeps its place in the table and
 * records the question it was searched with.
 */
export async function rerunCell(
  deps: ReviewDeps,
  reviewId: string,
  request: CellRerunRequest,
  scope: AccessScope,
): Promise<{ review_id: string; document_id: string; field: string; state: "queued" } | null> {
  const review = await deps.reviews.get(reviewId, scope);
  if (!review) return null;
  if (review.state === "queued" || review.state === "running")
    throw new ReviewBusyError(`review ${reviewId} is ${review.state}: re-run a cell once it has ended`);
  const { document_id: documentId, field } = request;
  if (!review.document_ids.includes(documentId) || !(await deps.documents.get(documentId, scope)))
    throw new ReviewInputError(`review ${reviewId} has no document ${documentId} that you may read`);
  const template = ReviewTemplate.parse(JSON.parse(review.template_json));
  if (!template.fields.some((f) => f.name === field))
    throw new ReviewInputError(
      `the template "${template.name}" has no field "${field}"; its fields: ${template.fields.map((f) => f.name).join(", ")}`,
    );
  await deps.queue.addCellRerun({
    review_id: reviewId,
    document_id: documentId,
    tenant: review.tenant,
    cell: { field, ...(request.question ? { question: request.question } : {}) },
  });
  return { review_id: reviewId, document_id: documentId, field, state: "queued" };
}

/** Fill one cell again (the worker's part of `rerunCell`). */
export async function refillCell(
  deps: ReviewDeps & { extractor: CellExtractor },
  reviewId: string,
  documentId: string,
  cell: { field: string; question?: string },
  scope: AccessScope,
): Promise<{ cells: number }> {
  const review = await deps.reviews.getForWorker(reviewId);
  const doc = await deps.documents.getForWorker(documentId);
  if (!review || !doc) return { cells: 0 };
  const template = ReviewTemplate.parse(JSON.parse(review.template_json));
  const index = template.fields.findIndex((f) => f.name === cell.field);
  if (index < 0) return { cells: 0 };
  const field = { ...template.fields[index]!, ...(cell.question ? { question: cell.question } : {}) };
  const began = performance.now();
  const filled = await deps.extractor.cell(documentId, field, scope);
  await deps.reviews.putCells([cellRow(reviewId, doc, index, filled, performance.now() - began)]);
  return { cells: 1 };
}

/** What a closed review tells its tenant's webhooks (`review.finished`). */
export interface ReviewFinished {
  review_id: string;
  tenant: string;
  state: "completed" | "cancelled";
  template: string;
  documents: number;
}

/** Close a review once its document jobs have ended; null when it no longer exists. */
export async function finishReview(deps: ReviewDeps, reviewId: string): Promise<ReviewFinished | null> {
  const cancelled = await deps.queue.cancelled(reviewId);
  const state = cancelled ? "cancelled" : "completed";
  await deps.reviews.setState(reviewId, state);
  const review = await deps.reviews.getForWorker(reviewId);
  if (!review) return null;
  return {
    review_id: reviewId,
    tenant: review.tenant,
    state,
    template: review.template,
    documents: review.document_ids.length,
  };
}

/** The review as the caller may see it (rows only of documents they may read), or null. */
export async function reviewView(
  deps: ReviewDeps,
  id: string,
  scope: AccessScope,
): Promise<ReviewView | null> {
  const review = await deps.reviews.get(id, scope);
  if (!review) return null;
  const template = ReviewTemplate.parse(JSON.parse(review.template_json));
  const [cells, progress] = await Promise.all([deps.reviews.cells(id, scope), deps.queue.progressOf(id)]);
  const readable = (await Promise.all(review.document_ids.map((d) => deps.documents.get(d, scope)))).filter(
    (d): d is DocumentRow => d !== null,
  );
  const order = new Map(template.fields.map((f, i) => [f.name, i]));
  const fieldsDone = (docId: string) => Number((progress[docId] ?? "0/").split("/")[0]) || 0;
  const rows = readable.map((doc) => {
    const mine = cells.filter((c) => c.document_id === doc.id);
    const parsed = mine
      .map((c) => ReviewCell.parse(JSON.parse(c.cell_json)))
      .sort((a, b) => (order.get(a.field) ?? 0) - (order.get(b.field) ?? 0));
    return {
      document_id: doc.id,
      title: doc.title,
      cells: parsed,
      fields_done: Math.max(parsed.length, fieldsDone(doc.id)),
      duration_ms: mine.reduce((s, c) => s + c.duration_ms, 0),
    };
  });
  const all = rows.flatMap((r) => r.cells);
  const count = (s: string) => all.filter((c) => c.status === s).length;
  return {
    id,
    template: review.template,
    state: review.state as ReviewState,
    fields: template.fields,
    counts: {
      documents: rows.length,
      documents_done: rows.filter((r) => r.fields_done >= template.fields.length).length,
      cells: all.length,
      found: count("found"),
      not_found: count("not_found"),
      uncertain: count("uncertain"),
    },
    rows,
    created_at: review.created_at,
  };
}

/** Cancel a review of the caller's tenant; false when there is none. */
export async function cancelReview(deps: ReviewDeps, id: string, scope: AccessScope): Promise<boolean> {
  const review = await deps.reviews.get(id, scope);
  if (!review) return false;
  await deps.queue.cancel(id, review.document_ids);
  if (review.state === "queued" || review.state === "running") await deps.reviews.setState(id, "cancelled");
  return true;
}

/** Called after each cell of a review run on this machine. */
export type CellProgress = (document: DocumentRow, done: number, total: number) => void;

/**
 * Review documents here and now, without queue or storage (the command line): the same cells the
 * worker fills, returned as the API shows a review.
 */
export async function reviewHere(
  extractor: CellExtractor,
  template: ReviewTemplate,
  docs: readonly DocumentRow[],
  scope: AccessScope,
  onCell?: CellProgress,
): Promise<ReviewView> {
  const rows: ReviewView["rows"] = [];
  for (const doc of docs) {
    const began = performance.now();
    const cells: ReviewCell[] = [];
    for (const field of template.fields) {
      cells.push(await extractor.cell(doc.id, field, scope));
      onCell?.(doc, cells.length, template.fields.length);
    }
    rows.push({
      document_id: doc.id,
      title: doc.title,
      cells,
      fields_done: cells.length,
      duration_ms: performance.now() - began,
    });
  }
  const all = rows.flatMap((r) => r.cells);
  const count = (s: string) => all.filter((c) => c.status === s).length;
  return {
    id: "local",
    template: template.name,
    state: "completed",
    fields: template.fields,
    counts: {
      documents: rows.length,
      documents_done: rows.length,
      cells: all.length,
      found: count("found"),
      not_found: count("not_found"),
      uncertain: count("uncertain"),
    },
    rows,
    created_at: new Date().toISOString(),
  };
}
