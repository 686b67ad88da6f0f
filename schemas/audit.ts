// The audit trail as rows of the store (when the store is on object storage: API replicas share no folder).
import { z } from "zod";

/** One audit record: the canonical JSON line, chained per writer exactly as a line of audit.log. */
export const AuditLineRow = z.object({
  /** The process that wrote it: each writer keeps its own chain. */
  writer: z.string(),
  /** 1-based position in the writer's chain. */
  seq: z.int(),
  /** ISO time of the append (also inside the line), for reading by time. */
  time: z.string(),
  /** The record as canonical JSON, hash included. */
  line: z.string(),
});
export type AuditLineRow = z.infer<typeof AuditLineRow>;

/** The last record of a writer's chain, signed with the audit key: lines cut off its end are found. */
export const AuditHeadRow = z.object({
  writer: z.string(),
  seq: z.int(),
  hash: z.string(),
  mac: z.string(),
});
export type AuditHeadRow = z.infer<typeof AuditHeadRow>;
