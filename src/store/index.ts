import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import type { z } from "zod";
import { ChunkRow, DocumentRow, PageRow } from "../../schemas/document.js";
import { SourceRow } from "../../schemas/sources.js";
import { arrowSchemaFor } from "./arrow.js";
import { isObjectStore, type StoreLocation } from "./location.js";

export { arrowSchemaFor } from "./arrow.js";
export { type StoreLocation, storeIn, storeLocation } from "./location.js";

/** Names of the LanceDB tables. */
export const TABLES = {
  documents: "documents",
  pages: "pages",
  chunks: "chunks",
  sources: "sources",
} as const;

/** The LanceDB database and its tables, opened once per process. */
export interface Store {
  /** Folder or s3:// URI of the LanceDB database. */
  readonly uri: string;
  readonly db: lancedb.Connection;
  readonly documents: lancedb.Table;
  readonly pages: lancedb.Table;
  readonly chunks: lancedb.Table;
  /** Synced folders (document shares) and their last sync. */
  readonly sources: lancedb.Table;
  /** Dimension of chunk vectors (fixed when the chunks table is created). */
  readonly vectorDimensions: number;
  close(): void;
}

/** The store was built with another embedding model; its vectors cannot be compared with new ones. */
export class StoreDimensionMismatchError extends Error {
  override name = "StoreDimensionMismatchError";
}

/**
 * Columns added to a row schema after a table was created (e.g. documents.source_mtime_ms) are added
 * to the table as null columns, so a store made by an older version keeps working.
 */
async function addMissingColumns(table: lancedb.Table, row: z.ZodObject): Promise<void> {
  const have = new Set((await table.schema()).fields.map((f) => f.name));
  const missing = arrowSchemaFor(row).fields.filter((f) => !have.has(f.name) && f.nullable);
  if (missing.length === 0) return;
  try {
    await table.addColumns(
      missing.map((f) => ({ name: f.name, valueSql: `CAST(NULL AS ${sqlTypeOf(f.type)})` })),
    );
  } catch (error) {
    // Another process added them first.
    const again = new Set((await table.schema()).fields.map((f) => f.name));
    if (missing.some((f) => !again.has(f.name))) throw error;
  }
}

function sqlTypeOf(type: { toString(): string }): string {
  const name = type.toString();
  if (name === "Float64") return "DOUBLE";
  if (name === "Int32") return "INT";
  if (name === "Bool") return "BOOLEAN";
  if (name === "Utf8") return "STRING";
  throw new Error(`no SQL type to add a column of type ${name}`);
}

/** How long a table another process is creating may take to commit its first version. */
const TABLE_CREATION_WAIT_MS = 30_000;

/**
 * Open a table, waiting while another process creates it: its folder is listed (and our create
 * refused) as soon as its first files are written, but it opens only once its first version is
 * committed, which on object storage under load takes a moment.
 */
async function openCreatedTable(db: lancedb.Connection, name: string): Promise<lancedb.Table> {
  const deadline = Date.now() + TABLE_CREATION_WAIT_MS;
  for (let wait = 50; ; wait = Math.min(wait * 2, 1_000)) {
    try {
      return await db.openTable(name);
    } catch (error) {
      if (!/was not found/i.test(String(error)) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** A table of the store, created empty from its row schema when it is not there yet. */
export async function openOrCreate(db: lancedb.Connection, name: string, row: z.ZodObject, dims = 0) {
  const names = await db.tableNames();
  if (names.includes(name)) {
    const table = await openCreatedTable(db, name);
    await addMissingColumns(table, row);
    return table;
  }
  try {
    return await db.createEmptyTable(name, arrowSchemaFor(row, dims), { existOk: true });
  } catch {
    // Another process created it between our check and our create.
    return openCreatedTable(db, name);
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
 * Lance's CPU pool has `cores − 2` threads, at least one; with one, its full-text index build stops
 * for good (0 % CPU) once it writes more than one batch of posting lists (lancedb#3568; here, 100,000
 * rows folded at once on 2 cores). Two threads at least, unless the operator sets LANCE_CPU_THREADS;
 * read by Lance when it first needs the pool, so set before the first connection.
 */
function keepLanceCpuPoolAboveOne(): void {
  process.env.LANCE_CPU_THREADS ??= String(Math.max(2, availableParallelism() - 2));
}

/**
 * Connect to the database at `location` (creating its folder when it is one); reads see every commit
 * (workers write, the API reads).
 */
export function connectStore(location: StoreLocation): Promise<lancedb.Connection> {
  keepLanceCpuPoolAboveOne();
  if (!isObjectStore(location)) mkdirSync(location.uri, { recursive: true });
  return lancedb.connect(location.uri, {
    readConsistencyInterval: 0,
    storageOptions: { ...location.storageOptions },
  });
}

/**
 * Dimension of the vectors of an existing store, or null when there is none yet: tools that do not
 * embed (sync, report) open the store without loading the embedding model.
 */
export async function storedVectorDimensions(location: StoreLocation): Promise<number | null> {
  if (!isObjectStore(location) && !existsSync(location.uri)) return null;
  const db = await connectStore(location);
  try {
    if (!(await db.tableNames()).includes(TABLES.chunks)) return null;
    const chunks = await db.openTable(TABLES.chunks);
    try {
      return (await vectorDimensionsOf(chunks)) || null;
    } finally {
      chunks.close();
    }
  } finally {
    db.close();
  }
}

/** Beside the tables of a store in a folder: the embedding model that wrote the store's vectors. */
const EMBED_MODEL_FILE = "embedding-model.json";
/**
 * The same record in a store on object storage, as a one-row table. Object storage has no "create if
 * absent" for a plain file through LanceDB, but a table's first version is written once (a conditional
 * PUT): two processes creating the table at the same time may both succeed, the later one overwriting
 * as version 2, yet version 1 is the first creator's for everyone.
 */
export const EMBED_MODEL_TABLE = "embedding_model";

/** The model recorded in a store's folder, recording `embedModel` when there is none yet. */
function recordedModelInFile(uri: string, embedModel: string): unknown {
  const path = join(uri, EMBED_MODEL_FILE);
  try {
    writeFileSync(path, `${JSON.stringify({ model: embedModel })}\n`, { flag: "wx" });
    return embedModel;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return (JSON.parse(readFileSync(path, "utf8")) as { model?: unknown }).model;
}

/** The model recorded in a store on object storage (version 1 of its table), recording `embedModel` when there is none yet. */
async function recordedModelInTable(db: lancedb.Connection, embedModel: string): Promise<unknown> {
  if (!(await db.tableNames()).includes(EMBED_MODEL_TABLE)) {
    try {
      (await db.createTable(EMBED_MODEL_TABLE, [{ model: embedModel }], { mode: "create" })).close();
    } catch {
      // Another process created it first: its record is read below.
    }
  }
  const table = await openCreatedTable(db, EMBED_MODEL_TABLE);
  try {
    await table.checkout(1);
    const [row] = await table.query().limit(1).toArray();
    return (row as { model?: unknown } | undefined)?.model;
  } finally {
    table.close();
  }
}

/** Where to start afresh, as the operator sets it. */
const freshPlace = (location: StoreLocation) =>
  isObjectStore(location) ? "point STORE_URI at a new prefix" : "point DATA_DIR at a new folder";

/**
 * Refuse a store built with another embedding model: two models of the same dimension
 * (all-MiniLM-L6-v2 and multilingual-e5-small are both 384-d) make vectors that do not compare, and
 * the dimension check cannot see it. A store without the record (new, or made before it existed)
 * takes the model it is opened with.
 */
async function checkEmbeddingModel(
  location: StoreLocation,
  db: lancedb.Connection,
  embedModel: string,
): Promise<void> {
  const recorded = isObjectStore(location)
    ? await recordedModelInTable(db, embedModel)
    : recordedModelInFile(location.uri, embedModel);
  if (recorded !== embedModel) {
    throw new StoreDimensionMismatchError(
      `the store in ${location.uri} was built with the embedding model ${String(recorded)}, not ${embedModel}; ` +
        `set EMBED_MODEL=${String(recorded)}, or ${freshPlace(location)} and ingest again`,
    );
  }
}

/**
 * Open (creating if needed) the store at `location` (a folder, or s3://bucket/prefix). Reads are
 * always consistent with writes made by other processes (workers write, the API reads). With
 * `embedModel` (EMBED_MODEL), a store built with another embedding model is refused.
 */
export async function openStore(
  location: StoreLocation,
  vectorDimensions: number,
  embedModel?: string,
): Promise<Store> {
  const { uri } = location;
  const db = await connectStore(location);
  const documents = await openOrCreate(db, TABLES.documents, DocumentRow);
  const pages = await openOrCreate(db, TABLES.pages, PageRow);
  const chunks = await openOrCreate(db, TABLES.chunks, ChunkRow, vectorDimensions);
  const sources = await openOrCreate(db, TABLES.sources, SourceRow);
  await ensureFullTextIndex(chunks);
  const existing = await vectorDimensionsOf(chunks);
  if (existing !== vectorDimensions) {
    throw new StoreDimensionMismatchError(
      `the store in ${uri} holds ${existing}-d vectors but the embedding model makes ${vectorDimensions}-d ones; ` +
        `use the embedding model the store was built with, or ${freshPlace(location)} and ingest again`,
    );
  }
  if (embedModel !== undefined) await checkEmbeddingModel(location, db, embedModel);
  return {
    uri,
    db,
    documents,
    pages,
    chunks,
    sources,
    vectorDimensions,
    close: () => {
      documents.close();
      pages.close();
      chunks.close();
      sources.close();
      db.close();
    },
  };
}
