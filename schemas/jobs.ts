import { z } from "zod";

/** Payload of one ingest job: one file, already recorded as a document. */
export const IngestJobData = z.object({
  document_id: z.string(),
  /** Tenant and ACL of the document: job status is shown only to callers who may see the document. */
  tenant: z.string(),
  acl: z.array(z.string()),
  /** Sync run this file belongs to, if any. */
  sync_id: z.string().nullable().default(null),
});
export type IngestJobData = z.infer<typeof IngestJobData>;

/** BullMQ's job states, as the API reports them. */
export const JobState = z.enum([
  "waiting",
  "active",
  "completed",
  "failed",
  "delayed",
  "prioritized",
  "waiting-children",
  "unknown",
]);
export type JobState = z.infer<typeof JobState>;

/** Progress an ingest job reports while it runs. */
export const IngestJobProgress = z.object({
  stage: z.enum(["queued", "read", "parse", "chunk", "embed", "write", "done"]),
  done: z.int().optional(),
  total: z.int().optional(),
  /** 0–100 over the whole file. */
  percent: z.number(),
});
export type IngestJobProgress = z.infer<typeof IngestJobProgress>;
