// Records that several processes change (tenant settings, webhooks) in the store's `shared_records`
// table, so API replicas and workers on other hosts share them without a shared folder. Each process
// keeps a kind's records in memory and reads them again at most every `refreshMs`; its own writes
// count at once. Versions before kept them in JSON files in DATA_DIR, imported once.
import { existsSync, readFileSync, renameSync } from "node:fs";
import type * as lancedb from "@lancedb/lancedb";
import type { z } from "zod";
import { SharedRecordRow } from "../../schemas/records.js";
import { sqlString } from "../lib/sql.js";
import { withCommitRetry } from "./commit.js";
import { openOrCreate } from "./index.js";
import type { StoreLocation } from "./location.js";
import { OwnTables } from "./own-tables.js";
import { selectRows } from "./rows.js";

/** Name of the records' table in the store. */
export const SHARED_RECORDS_TABLE = "shared_records";

/** How often, by default, a process reads a kind's records again: a change elsewhere counts within it. */
export const RECORDS_REFRESH_MS = 1000;

/** Options of SharedRecords. */
export interface SharedRecordsOptions {
  /** Milliseconds the records kept in memory are trusted before they are read again. */
  refreshMs?: number;
  /** The JSON file `{ "<field>": [records] }` of earlier versions, imported while the store has none of the kind. */
  legacyFile?: { path: string; field: string };
}

/** The later row of each record: two processes writing one record at once may leave two rows. */
function latestPerId(rows: SharedRecordRow[]): SharedRecordRow[] {
  const byId = new Map<string, SharedRecordRow>();
  for (const row of rows) {
    const seen = byId.get(row.id);
    if (!seen || seen.updated_at < row.updated_at) byId.set(row.id, row);
  }
  return [...byId.values()];
}

/** The records of one kind, validated by `schema`; `idOf` names each one. */
export class SharedRecords<T> {
  private readonly tables: OwnTables<{ records: lancedb.Table }>;
  private cache: { readAt: number; items: T[] } | null = null;
  private readonly refreshMs: number;

  constructor(
    store: StoreLocation,
    /** What the records are: "tenants", "webhooks". */
    readonly kind: string,
    private readonly schema: z.ZodType<T>,
    private readonly idOf: (record: T) => string,
    private readonly options: SharedRecordsOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? RECORDS_REFRESH_MS;
    this.tables = new OwnTables(store, async (db) => {
      const records = await openOrCreate(db, SHARED_RECORDS_TABLE, SharedRecordRow);
      await this.importLegacyFile(records);
      return { records };
    });
  }

  private async importLegacyFile(table: lancedb.Table): Promise<void> {
    const legacy = this.options.legacyFile;
    if (!legacy || !existsSync(legacy.path) || (await this.rows(table)).length > 0) return;
    const raw = JSON.parse(readFileSync(legacy.path, "utf8")) as Record<string, unknown>;
    const items = (Array.isArray(raw[legacy.field]) ? raw[legacy.field] : []) as unknown[];
    const rows = items.map((item) => this.rowOf(this.schema.parse(item)));
    if (rows.length > 0) await withCommitRetry(() => table.add(rows));
    try {
      renameSync(legacy.path, `${legacy.path}.imported`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error; // another process did
    }
  }

  private rowOf(record: T): SharedRecordRow {
    return {
      kind: this.kind,
      id: this.idOf(record),
      body: JSON.stringify(record),
      updated_at: new Date().toISOString(),
    };
  }

  private async rows(table: lancedb.Table): Promise<SharedRecordRow[]> {
    const rows = await selectRows<SharedRecordRow>(table, `kind = ${sqlString(this.kind)}`);
    return latestPerId(SharedRecordRow.array().parse(rows));
  }

  /** Every record of the kind (from memory when read less than `refreshMs` ago). */
  async all(): Promise<T[]> {
    if (this.cache && Date.now() - this.cache.readAt < this.refreshMs) return this.cache.items;
    const readAt = Date.now();
    const { records } = await this.tables.get();
    const items = (await this.rows(records)).map((row) => this.schema.parse(JSON.parse(row.body)));
    this.cache = { readAt, items };
    return items;
  }

  /** The stored row of record `id`, read afresh. */
  private async currentRow(id: string): Promise<SharedRecordRow | null> {
    const { records } = await this.tables.get();
    return (await this.rows(records)).find((row) => row.id === id) ?? null;
  }

  /**
   * Change record `id` from what it is now (null: none yet) to what `fn` makes of it (null: leave it),
   * as a compare-and-swap on the stored row: when another process changed it meanwhile, `fn` runs
   * again on its version, so no change is lost. Returns the record as written (or as found).
   */
  async change(id: string, fn: (current: T | null) => T | null, attempts = 20): Promise<T | null> {
    const { records } = await this.tables.get();
    for (let attempt = 1; ; attempt++) {
      const row = await this.currentRow(id);
      const current = row ? this.schema.parse(JSON.parse(row.body)) : null;
      const next = fn(current);
      if (next === null) return current;
      if (!row) {
        await this.put(next);
        return next;
      }
      const values = { body: JSON.stringify(next), updated_at: new Date().toISOString() };
      const where = `kind = ${sqlString(this.kind)} AND id = ${sqlString(id)} AND body = ${sqlString(row.body)}`;
      const { rowsUpdated } = await withCommitRetry(() => records.update({ where, values }));
      if (rowsUpdated > 0) {
        this.remember((items) => [...items.filter((r) => this.idOf(r) !== id), next]);
        return next;
      }
      if (attempt >= attempts)
        throw new Error(`record ${this.kind}/${id} kept changing under ${attempts} attempts`);
    }
  }

  /** Write a record, replacing the one of its id. */
  async put(record: T): Promise<void> {
    const { records } = await this.tables.get();
    const row = this.rowOf(record);
    await withCommitRetry(() =>
      records.mergeInsert(["kind", "id"]).whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([row]),
    );
    this.remember((items) => [...items.filter((r) => this.idOf(r) !== row.id), record]);
  }

  /** Remove the record `id` (none there is not an error). */
  async remove(id: string): Promise<void> {
    const { records } = await this.tables.get();
    await withCommitRetry(() => records.delete(`kind = ${sqlString(this.kind)} AND id = ${sqlString(id)}`));
    this.remember((items) => items.filter((r) => this.idOf(r) !== id));
  }

  /** Change the copy in memory after this process's own commit, so it counts here at once. */
  private remember(change: (items: T[]) => T[]): void {
    if (this.cache) this.cache = { ...this.cache, items: change(this.cache.items) };
  }

  /** Close the store connection (the next call opens it again). */
  async close(): Promise<void> {
    this.cache = null;
    await this.tables.close();
  }
}
