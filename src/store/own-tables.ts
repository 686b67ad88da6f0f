// Tables on a connection of their own (API keys, shared records, the audit trail): a reader with its
// own connection sees every other process's commits, whatever the main store handle caches.
import type * as lancedb from "@lancedb/lancedb";
import { connectStore } from "./index.js";
import type { StoreLocation } from "./location.js";

/** Tables opened on first use (again after a failed opening) and closed together. */
export class OwnTables<T extends Record<string, lancedb.Table>> {
  private opening: Promise<{ db: lancedb.Connection; tables: T }> | null = null;

  constructor(
    private readonly store: StoreLocation,
    /** Opens (creating if needed) the tables on the new connection. */
    private readonly open: (db: lancedb.Connection) => Promise<T>,
  ) {}

  /** The tables, opened once. */
  async get(): Promise<T> {
    this.opening ??= (async () => {
      const db = await connectStore(this.store);
      return { db, tables: await this.open(db) };
    })().catch((error: unknown) => {
      this.opening = null; // the next call tries again
      throw error;
    });
    return (await this.opening).tables;
  }

  /** Close the tables and the connection (the next get() opens them again). */
  async close(): Promise<void> {
    const opened = this.opening;
    this.opening = null;
    if (!opened) return;
    const result = await opened.catch(() => null);
    if (!result) return;
    for (const table of Object.values(result.tables)) table.close();
    result.db.close();
  }
}
