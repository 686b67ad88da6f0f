// Taking files in: hash, refuse what can be refused at once, skip duplicates, record, enqueue.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { detectFileType } from "../../ingestion/detect.js";
import { PermanentIngestError } from "../../ingestion/errors.js";
import type { UploadResponse } from "../../schemas/api.js";
import type { DocumentRow } from "../../schemas/document.js";
import type { AccessScope } from "../access/scope.js";
import type { IngestQueue } from "../queue/ingest-queue.js";
import type { DocumentRepository } from "../store/documents.js";

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

/**
 * Record uploaded files as documents and queue them. Each file gets its own result: a duplicate of
 * an indexed document is reported as such, an empty or mislabelled file fails at once with its
 * reason, and the others are queued — one bad file never affects the rest.
 */
export class Intake {
  constructor(
    private readonly documents: DocumentRepository,
    private readonly queue: IngestQueue,
    private readonly filesDir: string,
  ) {}

  async accept(files: IncomingFile[], owner: Ownership, scope: AccessScope): Promise<UploadResponse> {
    await mkdir(this.filesDir, { recursive: true });
    const results: UploadResponse["documents"] = [];
    const seen = new Map<string, string>();
    for (const file of files) {
      const sha256 = await sha256OfFile(file.path);
      const earlier = seen.get(sha256);
      const [existing] = earlier ? [] : await this.documents.findByHash(owner.tenant, sha256);
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
      const stored = join(this.filesDir, id);
      await rename(file.path, stored);
      let refusal: PermanentIngestError | null = null;
      try {
        // Type from the first bytes only: parsing is the workers' job.
        detectFileType(await readHead(stored, 4 * 1024 * 1024), file.name);
      } catch (error) {
        if (!(error instanceof PermanentIngestError)) throw error;
        refusal = error;
      }
      if (!refusal) seen.set(sha256, id);
      const now = new Date().toISOString();
      const row: DocumentRow = {
        id,
        tenant: owner.tenant,
        acl: owner.acl,
        tags: owner.tags,
        name: file.name,
        title: file.name,
        type: null,
        size_bytes: file.size,
        sha256,
        status: refusal ? "failed" : "queued",
        error: refusal?.message ?? null,
        error_code: refusal?.code ?? null,
        pages: null,
        chunks: null,
        file_path: stored,
        source_id: null,
        source_path: null,
        parent_id: null,
        metadata: "{}",
        job_id: refusal ? null : `${id}-${sha256.slice(0, 12)}`,
        created_at: now,
        updated_at: now,
      };
      await this.documents.insert([row]);
      if (!refusal) {
        try {
          await this.queue.add(
            { document_id: id, tenant: owner.tenant, acl: owner.acl, sync_id: null },
            sha256,
          );
        } catch (error) {
          await this.documents.delete(id);
          await rm(stored, { force: true });
          throw error;
        }
      }
      results.push({
        id,
        name: file.name,
        status: row.status,
        job_id: row.job_id,
        duplicate_of: null,
        error: row.error,
      });
    }
    return { documents: results };
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
    await mkdir(this.filesDir, { recursive: true });
    const results: UploadResponse["documents"] = [];
    for (const [index, file] of files.entries()) {
      const sha256 = createHash("sha256").update(file.bytes).digest("hex");
      const id = `doc_${createHash("sha256").update(`${parent.id}:${index}:${sha256}`).digest("hex").slice(0, 20)}`;
      const existing = await this.documents.getForWorker(id);
      if (existing) {
        const { status, job_id, error } = existing;
        // A run that stopped between recording and queueing left it waiting: queue it (same job id, so once).
        if (status === "queued") {
          await this.queue.add(
            { document_id: id, tenant: existing.tenant, acl: existing.acl, sync_id: null },
            sha256,
          );
        }
        results.push({ id, name: existing.name, status, job_id, duplicate_of: null, error });
        continue;
      }
      const stored = join(this.filesDir, id);
      await writeFile(`${stored}.part`, file.bytes);
      await rename(`${stored}.part`, stored);
      let refusal: PermanentIngestError | null = null;
      try {
        detectFileType(file.bytes, file.name);
      } catch (error) {
        if (!(error instanceof PermanentIngestError)) throw error;
        refusal = error;
      }
      const now = new Date().toISOString();
      const row: DocumentRow = {
        id,
        tenant: parent.tenant,
        acl: parent.acl,
        tags: parent.tags,
        name: file.name,
        title: file.name,
        type: null,
        size_bytes: file.bytes.length,
        sha256,
        status: refusal ? "failed" : "queued",
        error: refusal?.message ?? null,
        error_code: refusal?.code ?? null,
        pages: null,
        chunks: null,
        file_path: stored,
        source_id: null,
        source_path: null,
        parent_id: parent.id,
        metadata: "{}",
        job_id: refusal ? null : `${id}-${sha256.slice(0, 12)}`,
        created_at: now,
        updated_at: now,
      };
      await this.documents.insert([row]);
      if (!refusal) {
        try {
          await this.queue.add({ document_id: id, tenant: row.tenant, acl: row.acl, sync_id: null }, sha256);
        } catch (error) {
          await this.documents.delete(id);
          await rm(stored, { force: true });
          throw error;
        }
      }
      results.push({
        id,
        name: file.name,
        status: row.status,
        job_id: row.job_id,
        duplicate_of: null,
        error: row.error,
      });
    }
    return results;
  }
}

/** Delete a document, its pages and chunks, and the copy of the file that Cited keeps (never a source's own file). */
export async function removeDocument(
  documents: DocumentRepository,
  doc: DocumentRow,
  filesDir: string,
): Promise<void> {
  await documents.delete(doc.id);
  if (doc.source_id === null && doc.file_path.startsWith(filesDir)) await rm(doc.file_path, { force: true });
}
