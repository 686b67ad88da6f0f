// The audit trail as rows of the store, for API replicas that share no folder (a store on object
// storage). Each process writes its own chain (`writer`), exactly as lines of audit.log are chained,
// so replicas never wait for one another; its head, signed with the audit key, is kept per writer so
// that lines cut off a chain's end are found. Appends made while a commit is under way go together
// in the next one: a request waits for one commit, not for every request before it.
import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type * as lancedb from "@lancedb/lancedb";
import { AuditHeadRow, AuditLineRow } from "../../schemas/audit.js";
import { withCommitRetry } from "../store/commit.js";
import { openOrCreate } from "../store/index.js";
import type { StoreLocation } from "../store/location.js";
import { OwnTables } from "../store/own-tables.js";
import { selectRows } from "../store/rows.js";
import {
  type AuditEvent,
  type AuditRecord,
  type AuditTrail,
  type AuditVerification,
  canonicalJson,
  GENESIS_HASH,
  headMac,
  lineHash,
  verifyAuditText,
} from "./audit.js";

/** Names of the audit tables in the store. */
export const AUDIT_TABLES = { lines: "audit_lines", heads: "audit_heads" } as const;

interface Pending {
  event: AuditEvent;
  resolve(record: AuditRecord): void;
  reject(error: unknown): void;
}

/** The audit trail in the store's audit tables; this process appends to a chain of its own. */
export class StoreAuditTrail implements AuditTrail {
  /** This process's chain: host, pid and a random part (a restarted process starts a new chain). */
  readonly writer = `${hostname()}-${process.pid}-${randomBytes(4).toString("hex")}`;
  private readonly tables: OwnTables<{ lines: lancedb.Table; heads: lancedb.Table }>;
  private head = { seq: 0, hash: GENESIS_HASH };
  private pending: Pending[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly store: StoreLocation,
    private readonly key: Buffer,
  ) {
    this.tables = new OwnTables(store, async (db) => ({
      lines: await openOrCreate(db, AUDIT_TABLES.lines, AuditLineRow),
      heads: await openOrCreate(db, AUDIT_TABLES.heads, AuditHeadRow),
    }));
  }

  get where(): string {
    return `${this.store.uri} (tables ${AUDIT_TABLES.lines}, ${AUDIT_TABLES.heads})`;
  }

  append(event: AuditEvent): Promise<AuditRecord> {
    return new Promise((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      this.flushing ??= this.flushAll();
    });
  }

  /** Commit what waits, again and again, until nothing does. */
  private async flushAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      await this.commit(batch);
    }
    this.flushing = null;
  }

  /** One commit of the batch's lines, then the head: each append settles with its record, or the error. */
  private async commit(batch: Pending[]): Promise<void> {
    let head = this.head;
    const records = batch.map(({ event }) => {
      const body = {
        ...event,
        seq: head.seq + 1,
        time: new Date().toISOString(),
        pid: process.pid,
        writer: this.writer,
        prev_hash: head.hash,
      };
      const record = { ...body, hash: lineHash(body, this.key) } as AuditRecord;
      head = { seq: record.seq, hash: record.hash };
      return record;
    });
    try {
      const { lines, heads } = await this.tables.get();
      const rows: AuditLineRow[] = records.map((r) => ({
        writer: this.writer,
        seq: r.seq,
        time: r.time,
        line: canonicalJson(r),
      }));
      await withCommitRetry(() => lines.add(rows));
      this.head = head;
      const headRow: AuditHeadRow = { writer: this.writer, ...head, mac: headMac(head, this.key) };
      await withCommitRetry(() =>
        heads.mergeInsert("writer").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([headRow]),
      );
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    for (const [i, p] of batch.entries()) p.resolve(records[i]!);
  }

  /** Every writer's chain checked as a log of its own, against that writer's signed head. */
  async verify(): Promise<AuditVerification> {
    const { lines, heads } = await this.tables.get();
    const chains = groupByWriter(await selectRows<AuditLineRow>(lines, "seq IS NOT NULL"));
    const headOf = new Map(
      (await selectRows<AuditHeadRow>(heads, "seq IS NOT NULL")).map((h) => [h.writer, h] as const),
    );
    let total = 0;
    for (const writer of new Set([...chains.keys(), ...headOf.keys()])) {
      const text = (chains.get(writer) ?? []).map((r) => r.line).join("\n");
      const result = verifyAuditText(
        text,
        this.key,
        headOf.get(writer) ?? null,
        `the head of writer ${writer}`,
      );
      total += result.lines;
      if (!result.ok) return { ...result, lines: total, firstBad: { ...result.firstBad!, writer } };
    }
    return { ok: true, lines: total, head: headDigest(headOf) };
  }

  async read(since: Date): Promise<AuditRecord[]> {
    const { lines } = await this.tables.get();
    const rows = await selectRows<AuditLineRow>(lines, "seq IS NOT NULL");
    const records: AuditRecord[] = [];
    for (const row of rows) {
      if (Date.parse(row.time) < since.getTime()) continue;
      try {
        records.push(JSON.parse(row.line) as AuditRecord);
      } catch {
        // skipped (verify reports it)
      }
    }
    return records.sort((a, b) => a.time.localeCompare(b.time) || a.seq - b.seq);
  }

  /** Wait for what is being written, then close the store connection. */
  async close(): Promise<void> {
    await this.flushing;
    await this.tables.close();
  }
}

/** Each writer's rows in chain order. */
function groupByWriter(rows: AuditLineRow[]): Map<string, AuditLineRow[]> {
  const chains = new Map<string, AuditLineRow[]>();
  for (const row of rows) {
    const chain = chains.get(row.writer);
    if (chain) chain.push(row);
    else chains.set(row.writer, [row]);
  }
  for (const chain of chains.values()) chain.sort((a, b) => a.seq - b.seq);
  return chains;
}

/** One value for every writer's head, to keep elsewhere and compare later (a rollback changes it). */
function headDigest(heads: Map<string, AuditHeadRow>): string {
  const parts = [...heads.values()].sort((a, b) => a.writer.localeCompare(b.writer));
  if (parts.length === 0) return GENESIS_HASH;
  return createHash("sha256")
    .update(canonicalJson(parts.map((h) => [h.writer, h.seq, h.hash])))
    .digest("hex");
}
