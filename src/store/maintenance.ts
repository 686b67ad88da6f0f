import { Index, type Table } from "@lancedb/lancedb";
import { isCommitConflict } from "./commit.js";
import { EMBED_MODEL_TABLE, ensureFullTextIndex, type Store, TABLES } from "./index.js";

/** Rows from which an approximate vector index pays for itself (below it, exact search is fast enough). */
export const VECTOR_INDEX_MIN_ROWS = 100_000;

/** What one maintenance run did. */
export interface MaintenanceReport {
  ftsIndexCreated: boolean;
  vectorIndexCreated: boolean;
  chunkRows: number;
  compactedFragments: number;
}

/**
 * Compact the tables, fold new rows into the indexes and drop old versions. Run by one maintenance
 * job at a time: LanceDB's optimize() conflicts with concurrent writers and must be retried then.
 */
export async function maintainStore(
  store: Store,
  vectorIndexMinRows = VECTOR_INDEX_MIN_ROWS,
): Promise<MaintenanceReport> {
  const ftsIndexCreated = await ensureFullTextIndex(store.chunks);
  const indices = await store.chunks.listIndices();
  let vectorIndexCreated = false;
  const chunkRows = await store.chunks.countRows();
  if (!indices.some((i) => i.columns.includes("vector")) && chunkRows >= vectorIndexMinRows) {
    await store.chunks.createIndex("vector", { config: Index.hnswSq({ distanceType: "cosine" }) });
    vectorIndexCreated = true;
  }
  if (chunkRows >= vectorIndexMinRows) await ensureScopeIndexes(store.chunks, indices);
  let compactedFragments = 0;
  for (const table of [store.chunks, store.pages, store.documents, store.sources]) {
    compactedFragments += await compact(table);
  }
  compactedFragments += await compactTheOthers(store);
  return { ftsIndexCreated, vectorIndexCreated, chunkRows, compactedFragments };
}

/** Fold a table's small commits into few files and drop versions older than an hour; returns fragments removed. */
async function compact(table: Table): Promise<number> {
  const stats = await table.optimize({ cleanupOlderThan: new Date(Date.now() - 60 * 60 * 1000) });
  return stats.compaction.fragmentsRemoved;
}

/**
 * The store's other tables (keys, shared records, reviews): small, but changed one row at a time. A
 * commit of another process racing with one of them leaves it for the next run. The embedding model's
 * record is left alone: its first version is the record.
 */
async function compactTheOthers(store: Store): Promise<number> {
  const skip = new Set<string>([...Object.values(TABLES), EMBED_MODEL_TABLE]);
  let removed = 0;
  for (const name of await store.db.tableNames()) {
    if (skip.has(name)) continue;
    const table = await store.db.openTable(name);
    try {
      removed += await compact(table);
    } catch (error) {
      if (!isCommitConflict(error)) throw error;
    } finally {
      table.close();
    }
  }
  return removed;
}

/**
 * Indexes on the columns every search filters by (the access scope: tenant and ACL groups), from
 * the size where the vector index starts: at a million chunks, evaluating the filter row by row
 * costs more than the searches themselves. Rows added after are filtered as before until optimize().
 */
async function ensureScopeIndexes(chunks: Table, indices: { columns: string[] }[]): Promise<void> {
  const wanted = [
    { column: "tenant", config: Index.btree() },
    { column: "acl", config: Index.labelList() },
  ];
  for (const { column, config } of wanted) {
    if (indices.some((i) => i.columns.includes(column))) continue;
    await chunks.createIndex(column, { config });
  }
}
