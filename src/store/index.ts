import { mkdirSync } from "node:fs";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import type { z } from "zod";
import { ChunkRow, DocumentRow, PageRow } from "../../schemas/document.js";
import { arrowSchemaFor } from "./arrow.js";

export { arrowSchemaFor } from "./arrow.js";

/** Names of the LanceDB tables. */
export const TABLES = { documents: "documents", pages: "pages", chunks: "chunks" } as const;

/** The LanceDB folder and its three tables, opened once per process. */
export interface Store {
  /** Folder of the LanceDB database. */
  readonly uri: string;
  readonly db: lancedb.Connection;
  readonly documents: lancedb.Table;
  readonly pages: lancedb.Table;
  readonly chunks: lancedb.Table;
  /** Dimension of chunk vectors (fixed when the chunks table is created). */
  readonly vectorDimensions: number;
  close(): void;
}

/** The store was built with another embedding model; its vectors cannot be compared with new ones. */
export class StoreDimensionMismatchError extends Error {
  override name = "StoreDimensionMismatchError";
}

async function openOrCreate(db: lancedb.Connection, name: string, row: z.ZodObject, dims = 0) {
  const names = await db.tableNames();
  if (names.includes(name)) return db.openTable(name);
  try {
    return await db.createEmptyTable(name, arrowSchemaFor(row, dims), { existOk: true });
  } catch {
    // Another process created it between our check and our create.
    return db.openTable(name);
  }
}

async function vectorDimensionsOf(table: lancedb.Table): Promise<number> {
  const schema = await table.schema();
  const field = schema.fields.find((f) => f.name === "vector");
  return (field?.type as { listSize?: number } | undefined)?.listSize ?? 0;
}

/**
 * The full-text index on chunks.search_text, created with the table so that every search, before and
 * after maintenance, tokenizes the same way (rows added since the last optimize are searched flat).
 */
export async function ensureFullTextIndex(chunks: lancedb.Table): Promise<boolean> {
  const indices = await chunks.listIndices();
  if (indices.some((i) => i.columns.includes("search_text"))) return false;
  try {
    await chunks.createIndex("search_text", { config: lancedb.Index.fts({ withPosition: true }) });
  } catch (error) {
    // Another process created it first.
    const again = await chunks.listIndices();
    if (!again.some((i) => i.columns.includes("search_text"))) throw error;
  }
  return true;
}

/**
 * Open (creating if needed) the store in `dataDir/lancedb`. Reads are always consistent with writes
 * made by other processes (workers write, the API reads).
 */
export async function openStore(dataDir: string, vectorDimensions: number): Promise<Store> {
  const uri = join(dataDir, "lancedb");
  mkdirSync(uri, { recursive: true });
  const db = await lancedb.connect(uri, { readConsistencyInterval: 0 });
  const documents = await openOrCreate(db, TABLES.documents, DocumentRow);
  const pages = await openOrCreate(db, TABLES.pages, PageRow);
  const chunks = await openOrCreate(db, TABLES.chunks, ChunkRow, vectorDimensions);
  await ensureFullTextIndex(chunks);
  const existing = await vectorDimensionsOf(chunks);
  if (existing !== vectorDimensions) {
    throw new StoreDimensionMismatchError(
      `the store in ${uri} holds ${existing}-d vectors but the embedding model makes ${vectorDimensions}-d ones; ` +
        "use the embedding model the store was built with, or point DATA_DIR at a new folder and ingest again",
    );
  }
  return {
    uri,
    db,
    documents,
    pages,
    chunks,
    vectorDimensions,
    close: () => {
      documents.close();
      pages.close();
      chunks.close();
      db.close();
    },
  };
}
