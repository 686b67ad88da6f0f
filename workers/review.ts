// The review worker: fills a document's cells (`review-document`) or one cell again (`rerun-cell`),
// and closes a review when all its document jobs have ended (`finish-review`). The chat model and judge load on the first review job,
// so a worker that never reviews never loads them.
import { type Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { ReviewJobData } from "../schemas/review.js";
import { accessScope } from "../src/access/scope.js";
import type { Logger } from "../src/lib/logger.js";
import { REVIEW_QUEUE } from "../src/queue/review-queue.js";
import type { CellExtractor } from "../src/review/extractor.js";
import {
  finishReview,
  type ReviewDeps,
  type ReviewFinished,
  refillCell,
  reviewDocument,
} from "../src/usecases/review.js";

/** Options of the review worker. */
export interface ReviewWorkerOptions {
  connection: Redis;
  /** Redis key prefix (QUEUE_PREFIX). */
  prefix: string;
  deps: ReviewDeps;
  /** Builds the extractor (loading its models) once, when the first document is reviewed. */
  extractor: () => Promise<CellExtractor>;
  log: Logger;
  lockDurationMs?: number;
  /** Called once a review has closed (its webhooks send `review.finished`); errors are logged, never retried. */
  onFinished?: (finished: ReviewFinished) => Promise<void>;
}

/** One document at a time: the models are single-sequence and the machine is small. */
export function createReviewWorker(options: ReviewWorkerOptions): Worker<ReviewJobData> {
  const { deps, log } = options;
  let extractor: Promise<CellExtractor> | null = null;
  const finish = async (reviewId: string) => {
    const finished = await finishReview(deps, reviewId);
    if (finished)
      await options
        .onFinished?.(finished)
        .catch((e: unknown) =>
          log.warn({ err: e, review: reviewId }, "could not announce the end of a review"),
        );
    return finished;
  };
  const processor = async (job: Job<ReviewJobData>) => {
    const { review_id: reviewId, document_id: documentId } = job.data;
    if (job.name === "finish-review" || documentId === null) return finish(reviewId);
    const doc = await deps.documents.getForWorker(documentId);
    if (!doc) return { cells: 0, cancelled: false };
    extractor ??= options.extractor();
    const began = performance.now();
    // The API checked the caller may read the document; the worker reads it as its own ACL allows.
    const scope = accessScope(doc.tenant, doc.acl);
    const withExtractor = { ...deps, extractor: await extractor };
    const result = job.data.cell
      ? await refillCell(withExtractor, reviewId, documentId, job.data.cell, scope)
      : await reviewDocument(withExtractor, reviewId, documentId, scope);
    log.info(
      { review: reviewId, document: documentId, ms: Math.round(performance.now() - began), ...result },
      "document reviewed",
    );
    return result;
  };
  return new Worker<ReviewJobData>(REVIEW_QUEUE, processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: 1,
    lockDuration: options.lockDurationMs,
  });
}
