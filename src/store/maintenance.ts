import { Index } from "@lancedb/lancedb";
import { ensureFullTextIndex, type Store } from "./index.js";

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
  let compactedFragments = 0;
  for (const table of [store.chunks, store.pages, store.documents, store.sources]) {
    const stats = await table.optimize({ cleanupOlderThan: new Date(Date.now() - 60 * 60 * 1000) });
    compactedFragments += stats.compaction.fragmentsRemoved;
  }
  return { ftsIndexCreated, vectorIndexCreated, chunkRows, compactedFragments };
}
