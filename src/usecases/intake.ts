// Taking files in: hash, refuse what can be refused at once, skip duplicates, record, enqueue.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rm } from "node:fs/promises";
import { detectFileType } from "../../ingestion/detect.js";
import { PermanentIngestError } from "../../ingestion/errors.js";
import type { UploadResponse } from "../../schemas/api.js";
import type { DocumentRow } from "../../schemas/document.js";
import type { AccessScope } from "../access/scope.js";
import { type IngestQueue, ingestJobId } from "../queue/ingest-queue.js";
import { type DocumentRepository, newDocumentRow } from "../store/documents.js";
import type { Originals } from "../store/originals.js";

/** A file received by the API or found by a sync, before it becomes a document. */
export interface IncomingFile {
  /** Name shown to users. */
  name: string;
  /** Where the bytes are now (a temporary upload file). */
  path: string;
  size: number;
}

/** Who owns new documents and who may read them. */
export interface Ownership {
  tenant: string;
  acl: string[];
  tags: string[];
}

/** A new document id: `doc_` and 20 hex digits. */
export function newDocumentId(): string {
  return `doc_${randomBytes(10).toString("hex")}`;
}

export function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (d) => hash.update(d))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

async function readHead(path: string, bytes: number): Promise<Uint8Array> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** A file about to become a document: what is known of it before a worker reads it. */
export interface DocumentDraft {
  id: string;
  owner: Ownership;
  /** Name shown to users (the file name, or the path's base name in a source). */
  name: string;
  size: number;
  sha256: string;
  /** Where the worker reads the bytes. */
  filePath: string;
  /** The first bytes (up to 4 MB): enough to refuse an empty or mislabelled file at once. */
  head: Uint8Array;
  /** The message an attachment came from. */
  parentId?: string | null;
  /** The synced folder, the path in it and the file's modification time. */
  source?: { id: string; path: string; mtimeMs: number } | null;
  /** The sync run that queues it (its job id is then unique to that run). */
  syncId?: string | null;
  /** Creation time of the document a changed file replaces. */
  createdAt?: string;
}

/** How `record` writes rows and queues them. */
export interface RecordOptions {
  /**
   * Queue the rows that can be read (status queued, job_id set); called once, also with none. If it
   * throws, the rows are removed again (see keepOnEnqueueFailure) and the error is rethrown.
   */
  enqueue: (queued: DocumentRow[]) => Promise<void>;
  /** Clean up after a failed enqueue, e.g. remove the stored copies of the files. */
  rollback?: (rows: DocumentRow[]) => Promise<void>;
  /** Replace rows with the same id (a sync writing the same plan twice writes one row); otherwise insert. */
  replace?: boolean;
  /** Leave the rows queued when enqueueing fails: a sync's next run finds them and queues them again. */
  keepOnEnqueueFailure?: boolean;
}

/** A file refused from its first bytes (empty, mislabelled, unsupported), or null if a worker should read it. */
export function refusalOf(head: Uint8Array, name: string): PermanentIngestError | null {
  try {
    // Type from the first bytes only: parsing is the workers' job.
    detectFileType(head, name);
    return null;
  } catch (error) {
    if (error instanceof PermanentIngestError) return error;
    throw error;
  }
}

/**
 * Record files as documents and queue them. Each file gets its own result: a duplicate of an
 * indexed upload is reported as such, an empty or mislabelled file fails at once with its reason,
 * and the others are queued — one bad file never affects the rest. Uploads, e-mail attachments and
 * synced folders all go through `record`.
 */
export class Intake {
  constructor(
    private readonly documents: DocumentRepository,
    private readonly queue: IngestQueue,
    private readonly originals: Originals,
  ) {}

  /**
   * The one way files become documents: build the rows, refuse at once what can be refused (the row
   * is recorded failed with its reason and not queued), write them in one commit, then queue the
   * others. A failed enqueue removes the rows again, so no document waits for a job that does not exist.
   */
  async record(drafts: readonly DocumentDraft[], options: RecordOptions): Promise<DocumentRow[]> {
    const now = new Date().toISOString();
    const rows = drafts.map((d): DocumentRow => {
      const refusal = refusalOf(d.head, d.name);
      return newDocumentRow(
        {
          id: d.id,
          tenant: d.owner.tenant,
          acl: d.owner.acl,
          tags: d.owner.tags,
          name: d.name,
          size_bytes: d.size,
          sha256: d.sha256,
          status: refusal ? "failed" : "queued",
          error: refusal?.message ?? null,
          error_code: refusal?.code ?? null,
          file_path: d.filePath,
          source_id: d.source?.id ?? null,
          source_path: d.source?.path ?? null,
          source_mtime_ms: d.source?.mtimeMs ?? null,
          parent_id: d.parentId ?? null,
          job_id: refusal ? null : ingestJobId(d.id, d.sha256, d.syncId),
          created_at: d.createdAt ?? now,
        },
        now,
      );
    });
    if (options.replace) await this.documents.upsert(rows);
    else await this.documents.insert(rows);
    try {
      await options.enqueue(rows.filter((r) => r.status === "queued"));
    } catch (error) {
      if (!options.keepOnEnqueueFailure) {
        for (const row of rows) await this.documents.delete(row.id);
        await options.rollback?.(rows);
      }
      throw error;
    }
    return rows;
  }

  /**
   * Queue again the uploads and attachments whose jobs Redis no longer holds (it restarted without
   * persistence, or failed over): without this they would wait as "queued" for ever. Their job ids
   * come from the document and its content, so a job that still exists, or one queued by another
   * worker doing the same, is never doubled. Synced files are queued again by their next sync.
   */
  async requeueLost(): Promise<DocumentRow[]> {
    const lost: DocumentRow[] = [];
    for (const row of await this.documents.waitingUploads()) {
      if (row.job_id !== ingestJobId(row.id, row.sha256) || (await this.queue.has(row.job_id))) continue;
      lost.push(row);
    }
    await this.enqueueEach(lost);
    return lost;
  }

  /** Queue rows one job each (uploads, attachments); the job id comes from the document and its content. */
  private async enqueueEach(rows: readonly DocumentRow[]): Promise<void> {
    for (const row of rows) {
      await this.queue.add(
        { document_id: row.id, tenant: row.tenant, acl: row.acl, sync_id: null },
        row.sha256,
      );
    }
  }

  async accept(files: IncomingFile[], owner: Ownership, scope: AccessScope): Promise<UploadResponse> {
    const results: UploadResponse["documents"] = [];
    const seen = new Map<string, string>();
    for (const file of files) {
      const sha256 = await sha256OfFile(file.path);
      const earlier = seen.get(sha256);
      // Only a document the uploader may read, shared with at least the groups asked for, is the same
      // document: anything else would drop the upload and tell the uploader about a hidden one.
      const [existing] = earlier
        ? []
        : (await this.documents.findByHash(scope, sha256)).filter((d) =>
            owner.acl.every((g) => d.acl.includes(g)),
          );
      const duplicateOf = earlier ?? existing?.id;
      if (duplicateOf) {
        await rm(file.path, { force: true });
        const doc = existing ?? (await this.documents.get(duplicateOf, scope));
        results.push({
          id: duplicateOf,
          name: file.name,
          status: doc?.status ?? "queued",
          job_id: doc?.job_id ?? null,
          duplicate_of: duplicateOf,
          error: null,
        });
        continue;
      }
      const id = newDocumentId();
      const head = await readHead(file.path, HEAD_BYTES);
      const stored = await this.originals.keep(id, file.path);
      const [row] = await this.record(
        [
          {
            id,
            owner,
            name: file.name,
            size: file.size,
            sha256,
            filePath: stored,
            head,
          },
        ],
        { enqueue: (rows) => this.enqueueEach(rows), rollback: () => this.originals.remove(stored) },
      );
      if (row!.status !== "failed") seen.set(sha256, id);
      results.push(uploaded(row!));
    }
    return { documents: results };
  }

  /**
   * How deep a document sits in a chain of attachments: 0 for an upload or a synced file, 1 for an
   * attachment of one, and so on. Counts at most `limit + 1` steps (a chain is never longer than
   * MAX_ATTACHMENT_DEPTH allows, but a damaged store could hold a loop).
   */
  async attachmentDepth(doc: DocumentRow, limit: number): Promise<number> {
    let depth = 0;
    for (let parentId = doc.parent_id; parentId && depth <= limit; depth++) {
      parentId = (await this.documents.getForWorker(parentId))?.parent_id ?? null;
    }
    return depth;
  }

  /**
   * Files found inside a document (e-mail attachments) become documents of their own: linked to it
   * by parent_id, with its tenant, ACL and tags, stored and queued like uploads. Their ids come from
   * the parent, the position and the content, so a retried parent job adds nothing twice.
   */
  async acceptAttachments(
    parent: DocumentRow,
    files: readonly { name: string; bytes: Uint8Array }[],
  ): Promise<UploadResponse["documents"]> {
    const results: UploadResponse["documents"] = [];
    for (const [index, file] of files.entries()) {
      const sha256 = createHash("sha256").update(file.bytes).digest("hex");
      const id = `doc_${createHash("sha256").update(`${parent.id}:${index}:${sha256}`).digest("hex").slice(0, 20)}`;
      const existing = await this.documents.getForWorker(id);
      if (existing) {
        // A run that stopped between recording and queueing left it waiting: queue it (same job id, so once).
        if (existing.status === "queued") await this.enqueueEach([existing]);
        results.push(uploaded(existing));
        continue;
      }
      const stored = await this.originals.keepBytes(id, file.bytes);
      const [row] = await this.record(
        [
          {
            id,
            owner: { tenant: parent.tenant, acl: parent.acl, tags: parent.tags },
            name: file.name,
            size: file.bytes.length,
            sha256,
            filePath: stored,
            head: file.bytes.subarray(0, HEAD_BYTES),
            parentId: parent.id,
          },
        ],
        { enqueue: (rows) => this.enqueueEach(rows), rollback: () => this.originals.remove(stored) },
      );
      results.push(uploaded(row!));
    }
    return results;
  }
}

/** What a failed document's error adds when the text of its earlier version left search. */
export const EARLIER_TEXT_REMOVED = " (the text of its earlier version was removed from search)";

/** How much of a file is read to detect its type (the ZIP directory of a DOCX or XLSX may be far in). */
export const HEAD_BYTES = 4 * 1024 * 1024;

const uploaded = (row: DocumentRow): UploadResponse["documents"][number] => ({
  id: row.id,
  name: row.name,
  status: row.status,
  job_id: row.job_id,
  duplicate_of: null,
  error: row.error,
});

/**
 * Delete a document with the documents extracted from it (an e-mail's attachments), their pages and
 * chunks, and the copies of the files that Cited keeps (never a source's own file).
 */
export async function removeDocument(
  documents: DocumentRepository,
  doc: DocumentRow,
  originals: Pick<Originals, "remove">,
): Promise<void> {
  const all = [doc];
  for (let level = [doc.id]; level.length > 0; ) {
    const children = (await documents.childrenOf(level)).filter((c) => !all.some((d) => d.id === c.id));
    all.push(...children);
    level = children.map((c) => c.id);
  }
  await removeDocuments(documents, all.reverse(), originals);
}

/** Delete many documents at once (a sync removing deleted files): the index only, plus Cited's own copies. */
export async function removeDocuments(
  documents: DocumentRepository,
  docs: readonly DocumentRow[],
  originals: Pick<Originals, "remove">,
): Promise<void> {
  await documents.deleteMany(docs.map((d) => d.id));
  for (const doc of docs) if (doc.source_id === null) await originals.remove(doc.file_path);
}
