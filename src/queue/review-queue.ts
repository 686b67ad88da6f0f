// The review side of Redis: one flow per review (a parent that closes the review, a child job per
// document), live progress per document and field, and the cancellation flag the jobs check.
import { randomUUID } from "node:crypto";
import { FlowProducer, type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { ReviewJobData } from "../../schemas/review.js";
import { redisConnection } from "./connection.js";
import { JOB_RETENTION } from "./retention.js";

/** Name of the review queue (parent and document jobs). */
export const REVIEW_QUEUE = "cited-review";

const DOCUMENT_JOB_OPTIONS: JobsOptions = {
  attempts: 2,
  backoff: { type: "exponential", delay: 2000 },
  ...JOB_RETENTION,
};
/** Live progress of a review stays this long after it ends (the cells stay in LanceDB). */
const PROGRESS_TTL_S = 7 * 24 * 3600;

export const reviewJobId = (reviewId: string, documentId?: string) =>
  documentId ? `review-${reviewId}-${documentId}` : `review-${reviewId}`;

/** Producer and progress side of reviews. */
export class ReviewQueue {
  readonly queue: Queue<ReviewJobData>;
  private flows: FlowProducer | null = null;

  constructor(
    private readonly connection: Redis,
    /** Redis key prefix (QUEUE_PREFIX). */
    readonly prefix: string,
  ) {
    this.queue = new Queue<ReviewJobData>(REVIEW_QUEUE, { connection, prefix });
  }

  static connect(redisUrl: string, prefix: string, role: "worker" | "producer" = "producer"): ReviewQueue {
    return new ReviewQueue(redisConnection(redisUrl, role), prefix);
  }

  private key = (reviewId: string, part: string) => [this.prefix, "review", reviewId, part].join(":");

  /** Add the review's flow: the parent closes the review once every document job has ended. */
  async add(reviewId: string, tenant: string, documentIds: readonly string[]): Promise<void> {
    this.flows ??= new FlowProducer({ connection: this.connection, prefix: this.prefix });
    await this.flows.add({
      name: "finish-review",
      queueName: REVIEW_QUEUE,
      data: { review_id: reviewId, document_id: null, tenant },
      opts: { ...DOCUMENT_JOB_OPTIONS, jobId: reviewJobId(reviewId) },
      children: documentIds.map((documentId) => ({
        name: "review-document",
        queueName: REVIEW_QUEUE,
        data: { review_id: reviewId, document_id: documentId, tenant },
        opts: {
          ...DOCUMENT_JOB_OPTIONS,
          jobId: reviewJobId(reviewId, documentId),
          ignoreDependencyOnFailure: true,
        },
      })),
    });
  }

  /** Queue one cell to be filled again (outside the review's flow: the review may be long closed). */
  async addCellRerun(
    data: ReviewJobData & { document_id: string; cell: NonNullable<ReviewJobData["cell"]> },
  ) {
    const jobId = `${reviewJobId(data.review_id, data.document_id)}-cell-${randomUUID()}`;
    await this.queue.add("rerun-cell", data, { ...DOCUMENT_JOB_OPTIONS, jobId });
  }

  /** Record that a document has `done` of `total` fields filled. */
  async progress(reviewId: string, documentId: string, done: number, total: number): Promise<void> {
    const key = this.key(reviewId, "progress");
    await this.connection
      .multi()
      .hset(key, documentId, `${done}/${total}`)
      .expire(key, PROGRESS_TTL_S)
      .exec();
  }

  /** Fields filled per document, as "done/total". */
  async progressOf(reviewId: string): Promise<Record<string, string>> {
    return this.connection.hgetall(this.key(reviewId, "progress"));
  }

  /** Cancel: the flag stops running jobs between fields; waiting document jobs are removed. */
  async cancel(reviewId: string, documentIds: readonly string[]): Promise<void> {
    await this.connection.set(this.key(reviewId, "cancelled"), "1", "EX", PROGRESS_TTL_S);
    for (const documentId of documentIds) {
      const job = await this.queue.getJob(reviewJobId(reviewId, documentId));
      if (!job) continue;
      const state = await job.getState();
      if (state === "waiting" || state === "delayed" || state === "prioritized")
        await job.remove().catch(() => {});
    }
  }

  async cancelled(reviewId: string): Promise<boolean> {
    return (await this.connection.exists(this.key(reviewId, "cancelled"))) === 1;
  }

  async close(): Promise<void> {
    await this.flows?.close();
    await this.queue.close();
    this.connection.disconnect();
  }
}
