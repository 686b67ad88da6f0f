// Small records that several processes change (tenant settings, webhooks), kept in the store.
import { z } from "zod";

/** One record of a kind, as a row of the store's `shared_records` table. */
export const SharedRecordRow = z.object({
  /** What the record is: "tenants", "webhooks". */
  kind: z.string(),
  /** The record's id within its kind (a tenant name, a webhook id). */
  id: z.string(),
  /** The record as JSON, validated by its kind's schema on every read. */
  body: z.string(),
  /** ISO time of the last write: of two rows of one record, the later counts. */
  updated_at: z.string(),
});
export type SharedRecordRow = z.infer<typeof SharedRecordRow>;
