// Documents in the store: their rows, pages and chunks, read within an access scope (or by a worker).
import {
  type ChunkRow,
  DEFAULT_TENANT,
  type DocumentRow,
  type DocumentStatus,
  type PageRow,
  PUBLIC_GROUP,
} from "../../schemas/document.js";
import { type AccessScope, scopeFilter } from "../access/scope.js";
import { sqlIn, sqlString } from "../lib/sql.js";
import type { Store } from "./index.js";
import { selectRows } from "./rows.js";

/** What a new document's row is told; everything else starts empty (no pages, no error, no job). */
export type NewDocument = Pick<
  DocumentRow,
  "id" | "tenant" | "acl" | "tags" | "name" | "sha256" | "file_path" | "status"
> &
  Partial<
    Pick<
      DocumentRow,
      | "size_bytes"
      | "error"
      | "error_code"
      | "source_id"
      | "source_path"
      | "source_mtime_ms"
      | "parent_id"
      | "job_id"
      | "created_at"
    >
  >;

/** The one way a document row is built: a new document, titled by its name until it is read. */
export function newDocumentRow(doc: NewDocument, now = new Date().toISOString()): DocumentRow {
  return {
    id: doc.id,
    tenant: doc.tenant,
    acl: doc.acl,
    tags: doc.tags,
    name: doc.name,
    title: doc.name,
    type: null,
    size_bytes: doc.size_bytes ?? 0,
    sha256: doc.sha256,
    status: doc.status,
    error: doc.error ?? null,
    error_code: doc.error_code ?? null,
    pages: null,
    chunks: null,
    file_path: doc.file_path,
    source_id: doc.source_id ?? null,
    source_path: doc.source_path ?? null,
    source_mtime_ms: doc.source_mtime_ms ?? null,
    parent_id: doc.parent_id ?? null,
    metadata: "{}",
    page_numbers: null,
    notes: null,
    job_id: doc.job_id ?? null,
    created_at: doc.created_at ?? now,
    updated_at: now,
  };
}

/** A public document row for a local file that this process ingests itself (evaluation, benchmarks). */
export function localDocumentRow(file: {
  id: string;
  name: string;
  path: string;
  sha256: string;
  tags?: string[];
}): DocumentRow {
  return newDocumentRow({
    id: file.id,
    tenant: DEFAULT_TENANT,
    acl: [PUBLIC_GROUP],
    tags: file.tags ?? [],
    name: file.name,
    sha256: file.sha256,
    file_path: file.path,
    status: "processing",
  });
}

/** Fields of a document that change as it moves through the pipeline. */
export type DocumentPatch = Partial<
  Pick<
    DocumentRow,
    | "status"
    | "error"
    | "error_code"
    | "pages"
    | "chunks"
    | "job_id"
    | "type"
    | "name"
    | "title"
    | "source_path"
    | "source_mtime_ms"
    | "size_bytes"
    | "sha256"
    | "file_path"
    | "metadata"
    | "page_numbers"
    | "notes"
    | "tags"
    | "acl"
  >
>;

/** Filters of a document listing. */
export interface DocumentListQuery {
  status?: DocumentStatus;
  tag?: string;
  type?: string;
  sourceId?: string;
  limit: number;
  offset: number;
}

const byId = (id: string) => `id = ${sqlString(id)}`;
const byDocument = (id: string) => `document_id = ${sqlString(id)}`;

/** The `documents`, `pages` and `chunks` tables seen as one thing: documents with their pages and chunks. */
export class DocumentRepository {
  constructor(private readonly store: Store) {}

  async insert(rows: DocumentRow[]): Promise<void> {
    if (rows.length > 0) await this.store.documents.add(rows);
  }

  /** Insert or replace whole rows by id, in one commit: writing the same rows twice leaves one copy of each. */
  async upsert(rows: DocumentRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.store.documents
      .mergeInsert("id")
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .execute(rows);
  }

  /** Uploads and attachments (no source) still waiting for their ingest job, whatever the tenant. */
  async waitingUploads(): Promise<DocumentRow[]> {
    return selectRows<DocumentRow>(
      this.store.documents,
      "source_id IS NULL AND status IN ('queued', 'processing')",
    );
  }

  /** Every document of a source (not its e-mail attachments), whatever the caller: for the sync planner. */
  async listBySource(sourceId: string): Promise<DocumentRow[]> {
    return selectRows<DocumentRow>(this.store.documents, `source_id = ${sqlString(sourceId)}`);
  }

  /** Documents extracted from these documents (e-mail attachments), whatever the caller. */
  async childrenOf(parentIds: readonly string[]): Promise<DocumentRow[]> {
    if (parentIds.length === 0) return [];
    return selectRows<DocumentRow>(this.store.documents, sqlIn("parent_id", parentIds));
  }

  /** Page numbers and how their text was read (no text), for the documents the scope may read. */
  async pageSources(
    documentIds: readonly string[],
    scope: AccessScope,
  ): Promise<Pick<PageRow, "document_id" | "page" | "text_source" | "ocr_confidence">[]> {
    if (documentIds.length === 0) return [];
    return selectRows(this.store.pages, `${sqlIn("document_id", documentIds)} AND ${scopeFilter(scope)}`, {
      columns: ["document_id", "page", "text_source", "ocr_confidence"],
    });
  }

  /** A document the scope may read, or null (also when it exists in another tenant or group). */
  async get(id: string, scope: AccessScope): Promise<DocumentRow | null> {
    const [row] = await selectRows<DocumentRow>(
      this.store.documents,
      `${byId(id)} AND ${scopeFilter(scope)}`,
    );
    return row ?? null;
  }

  /** A document whatever its tenant: for workers, which act on jobs the API already authorised. */
  async getForWorker(id: string): Promise<DocumentRow | null> {
    const [row] = await selectRows<DocumentRow>(this.store.documents, byId(id));
    return row ?? null;
  }

  async list(scope: AccessScope, q: DocumentListQuery): Promise<{ items: DocumentRow[]; total: number }> {
    const where = [scopeFilter(scope)];
    if (q.status) where.push(`status = ${sqlString(q.status)}`);
    if (q.type) where.push(`type = ${sqlString(q.type)}`);
    if (q.tag) where.push(`array_has(tags, ${sqlString(q.tag)})`);
    if (q.sourceId) where.push(`source_id = ${sqlString(q.sourceId)}`);
    const filter = where.join(" AND ");
    const all = await selectRows<DocumentRow>(this.store.documents, filter);
    all.sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id));
    return { items: all.slice(q.offset, q.offset + q.limit), total: all.length };
  }

  /** Documents the scope may read with this content hash that are not failed (duplicate detection). */
  async findByHash(scope: AccessScope, sha256: string): Promise<DocumentRow[]> {
    const where = `${scopeFilter(scope)} AND sha256 = ${sqlString(sha256)} AND status != 'failed'`;
    return selectRows<DocumentRow>(this.store.documents, where);
  }

  /** Documents by id, whatever their tenant (workers, sync). */
  async getManyForWorker(ids: readonly string[]): Promise<DocumentRow[]> {
    return selectRows<DocumentRow>(this.store.documents, sqlIn("id", ids));
  }

  async update(id: string, patch: DocumentPatch): Promise<void> {
    const values: Record<string, unknown> = { ...patch, updated_at: new Date().toISOString() };
    await this.store.documents.update({ where: byId(id), values: values as Record<string, never> });
  }

  /**
   * Update a document as its ingest job: changes nothing when a newer job owns the document (a job of
   * a sync lost with Redis may still be running beside the next sync's), so a stale job never undoes
   * the newer job's status.
   */
  async updateForJob(id: string, jobId: string, patch: DocumentPatch): Promise<void> {
    const values: Record<string, unknown> = { ...patch, updated_at: new Date().toISOString() };
    const where = `${byId(id)} AND (job_id IS NULL OR job_id = ${sqlString(jobId)})`;
    await this.store.documents.update({ where, values: values as Record<string, never> });
  }

  /**
   * Replace the pages and chunks of a document in one commit per table: a reader sees the old set or
   * the new one, never both. Running it twice with the same rows leaves one copy (keyed by chunk id).
   */
  async replaceContent(documentId: string, pages: PageRow[], chunks: ChunkRow[]): Promise<void> {
    if (pages.length === 0 || chunks.length === 0) {
      await this.store.chunks.delete(byDocument(documentId));
      await this.store.pages.delete(byDocument(documentId));
      if (pages.length > 0) await this.store.pages.add(pages);
      if (chunks.length > 0) await this.store.chunks.add(chunks);
      return;
    }
    await this.store.pages
      .mergeInsert(["document_id", "page"])
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .whenNotMatchedBySourceDelete({ where: byDocument(documentId) })
      .execute(pages);
    await this.store.chunks
      .mergeInsert("chunk_id")
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .whenNotMatchedBySourceDelete({ where: byDocument(documentId) })
      .execute(chunks);
  }

  /** Remove a document, its pages and its chunks. Chunks go first so search stops returning them at once. */
  async delete(id: string): Promise<void> {
    await this.store.chunks.delete(byDocument(id));
    await this.store.pages.delete(byDocument(id));
    await this.store.documents.delete(byId(id));
  }

  /** Remove documents with their pages and chunks, one commit per table (a sync deleting many files). */
  async deleteMany(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      await this.store.chunks.delete(sqlIn("document_id", batch));
      await this.store.pages.delete(sqlIn("document_id", batch));
      await this.store.documents.delete(sqlIn("id", batch));
    }
  }

  /** Chunks stored for a document (tests, reports). */
  async countChunks(documentId: string): Promise<number> {
    return this.store.chunks.countRows(byDocument(documentId));
  }

  /** The pages of a document the scope may read, in order. */
  async pages(documentId: string, scope: AccessScope): Promise<PageRow[]> {
    const rows = await selectRows<PageRow>(
      this.store.pages,
      `${byDocument(documentId)} AND ${scopeFilter(scope)}`,
    );
    return rows.sort((a, b) => a.page - b.page);
  }

  /** Stored text of some pages of a document the scope may read, by page number. */
  async pageTexts(
    documentId: string,
    pages: readonly number[],
    scope: AccessScope,
  ): Promise<Map<number, string>> {
    if (pages.length === 0) return new Map();
    const where = `${byDocument(documentId)} AND page IN (${pages.map((p) => Math.trunc(p)).join(", ")}) AND ${scopeFilter(scope)}`;
    const rows = await selectRows<PageRow>(this.store.pages, where, { columns: ["page", "text"] });
    return new Map(rows.map((r) => [r.page, r.text]));
  }

  /** Chunks of a document (without vectors), in order. */
  async chunks(documentId: string, scope: AccessScope): Promise<Omit<ChunkRow, "vector">[]> {
    const columns = [
      "chunk_id",
      "document_id",
      "ordinal",
      "text",
      "section",
      "page_start",
      "page_end",
      "char_start",
      "char_end",
      "spans",
      "token_count",
    ];
    const rows = await selectRows<Omit<ChunkRow, "vector">>(
      this.store.chunks,
      `${byDocument(documentId)} AND ${scopeFilter(scope)}`,
      { columns },
    );
    return rows.sort((a, b) => a.ordinal - b.ordinal);
  }
}
