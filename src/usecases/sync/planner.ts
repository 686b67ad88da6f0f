// Planning a sync: compare the folder with what is indexed for the source, by path and content hash,
// write what can be decided at once (renames, deletions, files refused from their first bytes), and
// queue the rest as one BullMQ flow. Every step can be run again: a planning job that dies half way
// is simply planned again and converges on the same index.
import { createHash } from "node:crypto";
import { realpath } from "node:fs/promises";
import { sep } from "node:path";
import type { IngestErrorCode, PermanentIngestError } from "../../../ingestion/errors.js";
import type { SourceRoot } from "../../../schemas/config.js";
import type { DocumentRow } from "../../../schemas/document.js";
import type { IngestJobData } from "../../../schemas/jobs.js";
import type {
  SourceRow,
  SyncChanges,
  SyncIssue,
  SyncJobData,
  SyncSummary,
} from "../../../schemas/sources.js";
import { GlobList } from "../../lib/glob.js";
import type { Logger } from "../../lib/logger.js";
import { ingestJobId } from "../../queue/ingest-queue.js";
import type { PlannedCounts, SyncQueue } from "../../queue/sync-queue.js";
import type { DocumentRepository } from "../../store/documents.js";
import type { Originals } from "../../store/originals.js";
import { lastSync, type SourceRepository, syncIssues } from "../../store/sources.js";
import {
  type DocumentDraft,
  EARLIER_TEXT_REMOVED,
  HEAD_BYTES,
  type Intake,
  refusalOf,
  removeDocuments,
} from "../intake.js";
import {
  checkFolder,
  type FoundFile,
  type InspectedFile,
  inspectFile,
  SourceUnavailableError,
  type WalkResult,
  walkFolder,
} from "./walk.js";

/** What planning and finishing a sync need. */
export interface SyncDeps {
  documents: DocumentRepository;
  sources: SourceRepository;
  intake: Pick<Intake, "record">;
  syncs: SyncQueue;
  /** State of an ingest job by id (null when Redis does not know it). */
  ingestJobState: (jobId: string) => Promise<string | null>;
  /** Largest file read (UPLOAD_MAX_BYTES). */
  maxBytes: number;
  /** Cited's own data folder: never walked, should a source contain it. */
  dataDir: string;
  /** Cited's copies of attachments, removed with a deleted file's documents. */
  originals: Pick<Originals, "remove">;
  /** Share folders by tenant (SOURCE_ROOTS): a source registered under one must still lie in it. */
  roots?: readonly SourceRoot[];
  /** Largest share of a source's documents one sync may remove without allow_mass_delete (SYNC_MAX_DELETE_RATIO). */
  maxDeleteRatio?: number;
  /** Keep a changed file's older text when its new version is refused (KEEP_TEXT_OF_FAILED_VERSIONS). */
  keepTextOfFailedVersions?: boolean;
  log?: Logger;
}

/** A sync may always remove this many documents, whatever share of the source they are. */
const ALWAYS_DELETABLE = 2;

/** The source was removed, or its folder is gone: planning cannot succeed by retrying. */
export class SyncCannotRunError extends Error {
  override name = "SyncCannotRunError";
}

const PENDING_JOB_STATES = new Set(["waiting", "active", "delayed", "prioritized", "waiting-children"]);
const UNSUPPORTED: IngestErrorCode = "unsupported_type";

/** Base name of a `/`-separated path. */
const baseName = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/**
 * The id of a new document of a source: derived from the source, the path and the content, so two
 * planning runs of the same tree (a retried job) write the same row, never two.
 */
function documentIdFor(sourceId: string, path: string, sha256: string, taken: ReadonlySet<string>): string {
  for (let n = 0; ; n++) {
    const id = `doc_${createHash("sha256").update(`${sourceId}\n${path}\n${sha256}\n${n}`).digest("hex").slice(0, 20)}`;
    if (!taken.has(id)) return id;
  }
}

async function mapPool<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return out;
}

const emptyChanges = (): SyncChanges => ({
  new: 0,
  changed: 0,
  renamed: 0,
  deleted: 0,
  unchanged: 0,
  requeued: 0,
});

/** What one planning run decided. */
export interface SyncPlanResult {
  counts: PlannedCounts;
  changes: SyncChanges;
  issues: SyncIssue[];
  /** False when an earlier run of the same planning job had already added the flow. */
  planned: boolean;
}

/** Inspect (hash) a file; a file that cannot be read or is of a type Cited does not read becomes an issue. */
async function inspect(
  file: FoundFile,
): Promise<{ file: FoundFile; inspected: InspectedFile } | { file: FoundFile; issue: SyncIssue }> {
  let unsupported: PermanentIngestError | null = null;
  try {
    const inspected = await inspectFile(file.abs, HEAD_BYTES, (head) => {
      const refusal = refusalOf(head, baseName(file.path));
      if (refusal?.code !== UNSUPPORTED) return false;
      unsupported = refusal;
      return true;
    });
    if (inspected) return { file, inspected };
    return {
      file,
      issue: {
        path: file.path,
        status: "skipped",
        code: UNSUPPORTED,
        reason: (unsupported as PermanentIngestError | null)?.message ?? "not a format Cited reads",
        size_bytes: file.size,
        mtime_ms: file.mtimeMs,
      },
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      file,
      issue: {
        path: file.path,
        status: "failed",
        code: code === "ENOTFILE" ? "not_a_file" : "unreadable",
        reason:
          code === "ENOTFILE"
            ? `${(error as Error).message}: not read`
            : `the file cannot be read (${code ?? (error as Error).message}): what was indexed from it is kept; let the server read it`,
        size_bytes: file.size,
        mtime_ms: file.mtimeMs,
      },
    };
  }
}

/**
 * Plan (and start) one sync of a source. New files are recorded and queued, changed ones queued again
 * under their id (the pipeline replaces their chunks in one commit), renamed or moved ones (same
 * content, old path gone) get their new path without being read again, deleted ones are removed from
 * the index (never from the folder), unchanged ones — same size and modification time, or same hash —
 * are skipped. Documents left queued by a run that died (worker killed, Redis restarted) are queued again.
 */
export async function planSync(deps: SyncDeps, data: SyncJobData): Promise<SyncPlanResult> {
  const source = await deps.sources.getForWorker(data.source_id);
  if (!source) throw new SyncCannotRunError("the source was removed before its sync ran");
  if (await deps.syncs.flowAdded(data.sync_id)) {
    return { counts: zeroCounts(), changes: emptyChanges(), issues: [], planned: false };
  }
  await deps.syncs.setState(data.sync_id, "planning");
  const walk = await scanSource(deps, source, data.sync_id);
  const existing = await deps.documents.listBySource(source.id);
  const plan = startPlan(deps, source, data.sync_id, walk);
  const deleted = await diffWithIndex(plan, walk, existing);
  refuseMassDelete(deps, data, deleted.length, existing.length, walk.files.length + walk.issues.length);
  await writePlan(plan, deleted);
  await recordAndEnqueue(plan, data);
  await noteEarlierTextRemoved(deps, plan.purge);
  const { counts, changes, issues } = plan;
  deps.log?.info({ source: source.id, sync: data.sync_id, counts, changes }, "sync planned");
  return { counts, changes, issues, planned: true };
}

/** One planning run as it is decided: what it found, and what it will write and queue. */
interface SyncPlan {
  deps: SyncDeps;
  source: SourceRow;
  syncId: string;
  issues: SyncIssue[];
  changes: SyncChanges;
  counts: PlannedCounts;
  /** Paths whose document stays (the file is there, or could not be checked). */
  kept: Set<string>;
  upserts: Map<string, DocumentRow>;
  children: { jobId: string; data: IngestJobData }[];
  drafts: DocumentDraft[];
  dropAttachmentsOf: string[];
  /** Changed files refused from their first bytes (now empty, say): their old pages and chunks go. */
  purge: string[];
}

/** A file new to the index (or moved), hashed. */
interface FreshFile {
  file: FoundFile;
  inspected: InspectedFile;
}

/** Walk the source's folder (after checking it is still the one registered), never Cited's own data. */
async function scanSource(deps: SyncDeps, source: SourceRow, syncId: string): Promise<WalkResult> {
  let dataDir: string | null = null;
  try {
    dataDir = await realpath(deps.dataDir);
  } catch {
    // No data folder yet: nothing to keep out.
  }
  const realPath = await checkSourceFolder(deps, source);
  try {
    return await walkFolder(realPath, {
      include: new GlobList(source.include),
      exclude: new GlobList(source.exclude),
      maxBytes: deps.maxBytes,
      skipFolders: dataDir ? [dataDir] : [],
      rootIsReal: true,
      onProgress: (found) => void deps.syncs.setDiscovered(syncId, found).catch(() => {}),
    });
  } catch (error) {
    if (error instanceof SourceUnavailableError) throw new SyncCannotRunError(error.message);
    throw error;
  }
}

/** An empty plan that starts from what the walk itself reported. */
function startPlan(deps: SyncDeps, source: SourceRow, syncId: string, walk: WalkResult): SyncPlan {
  const kept = new Set<string>();
  for (const i of walk.issues) if (i.code === "unreadable") kept.add(i.path);
  return {
    deps,
    source,
    syncId,
    issues: [...walk.issues],
    changes: emptyChanges(),
    counts: {
      discovered: walk.files.length + walk.issues.length,
      queued: 0,
      done: 0,
      skipped: walk.issues.filter((i) => i.status === "skipped").length,
      failed: walk.issues.filter((i) => i.status === "failed").length,
    },
    kept,
    upserts: new Map(),
    children: [],
    drafts: [],
    dropAttachmentsOf: [],
    purge: [],
  };
}

/**
 * Compare the walk with the source's documents: unchanged files are skipped without reading them,
 * the rest are hashed and sorted into changed, touched, renamed and new. Returns the documents to delete.
 */
async function diffWithIndex(
  plan: SyncPlan,
  walk: WalkResult,
  existing: readonly DocumentRow[],
): Promise<DocumentRow[]> {
  const byPath = new Map<string, DocumentRow>();
  for (const doc of existing) if (doc.source_path !== null) byPath.set(doc.source_path, doc);
  const toInspect = await skipUnchanged(plan, walk.files, byPath);
  const fresh = await sortInspected(plan, await mapPool(toInspect, 4, inspect), byPath);
  return matchRenames(plan, fresh, existing, walk.unreadableFolders);
}

/** A job still on its way for this document (its last run may yet finish). */
async function inFlight(plan: SyncPlan, doc: DocumentRow): Promise<boolean> {
  return doc.job_id !== null && PENDING_JOB_STATES.has((await plan.deps.ingestJobState(doc.job_id)) ?? "");
}

/** Queue a recorded document again (its last run died); false if its job is still on its way. */
async function requeue(plan: SyncPlan, doc: DocumentRow): Promise<boolean> {
  if (doc.status !== "queued" && doc.status !== "processing") return false;
  if (await inFlight(plan, doc)) return false;
  const jobId = ingestJobId(doc.id, doc.sha256, plan.syncId);
  plan.upserts.set(doc.id, { ...doc, status: "queued", job_id: jobId, error: null, error_code: null });
  plan.children.push({
    jobId,
    data: { document_id: doc.id, tenant: doc.tenant, acl: doc.acl, sync_id: plan.syncId },
  });
  plan.changes.requeued++;
  return true;
}

/** A file whose content is already indexed: queued again if its last run died, else counted unchanged. */
async function keepUnchanged(plan: SyncPlan, doc: DocumentRow): Promise<void> {
  if (await requeue(plan, doc)) plan.counts.queued++;
  else {
    plan.changes.unchanged++;
    plan.counts.skipped++;
  }
}

/**
 * Files whose size and modification time match the index are not read at all, nor are files refused
 * as unsupported last time and untouched since. Returns the files to hash.
 */
async function skipUnchanged(
  plan: SyncPlan,
  files: readonly FoundFile[],
  byPath: ReadonlyMap<string, DocumentRow>,
): Promise<FoundFile[]> {
  const previousIssues = new Map(syncIssues(plan.source).map((i) => [i.path, i]));
  const toInspect: FoundFile[] = [];
  for (const file of files) {
    const doc = byPath.get(file.path);
    if (doc && doc.size_bytes === file.size && doc.source_mtime_ms === file.mtimeMs) {
      plan.kept.add(file.path);
      await keepUnchanged(plan, doc);
      continue;
    }
    const before = previousIssues.get(file.path);
    if (
      !doc &&
      before?.code === UNSUPPORTED &&
      before.size_bytes === file.size &&
      before.mtime_ms === file.mtimeMs
    ) {
      plan.issues.push(before);
      plan.counts.skipped++;
      continue;
    }
    toInspect.push(file);
  }
  return toInspect;
}

/** What the intake records for a file of this source that is new or changed. */
function draftOf(plan: SyncPlan, file: FoundFile, inspected: InspectedFile, id: string): DocumentDraft {
  const { source } = plan;
  return {
    id,
    owner: { tenant: source.tenant, acl: source.acl, tags: source.tags },
    name: baseName(file.path),
    size: inspected.size,
    sha256: inspected.sha256,
    filePath: file.abs,
    head: inspected.head,
    source: { id: source.id, path: file.path, mtimeMs: inspected.mtimeMs },
    syncId: plan.syncId,
  };
}

/**
 * Hashed files: issues are recorded, touched files keep their document, changed ones are drafted
 * again under their id. Returns the files with no document at their path (new, or moved).
 */
async function sortInspected(
  plan: SyncPlan,
  results: Awaited<ReturnType<typeof inspect>>[],
  byPath: ReadonlyMap<string, DocumentRow>,
): Promise<FreshFile[]> {
  const fresh: FreshFile[] = [];
  for (const result of results) {
    const { file } = result;
    const doc = byPath.get(file.path);
    if ("issue" in result) {
      plan.issues.push(result.issue);
      if (result.issue.status === "skipped") plan.counts.skipped++;
      else plan.counts.failed++;
      // An unreadable file keeps what was indexed of it; a file now of a type Cited does not read does not.
      if (doc && result.issue.code === "unreadable") plan.kept.add(file.path);
      continue;
    }
    if (!doc) {
      fresh.push(result);
      continue;
    }
    plan.kept.add(file.path);
    await sortIndexedFile(plan, result, doc);
  }
  return fresh;
}

/** A hashed file that has a document: touched (same content) or changed. */
async function sortIndexedFile(plan: SyncPlan, { file, inspected }: FreshFile, doc: DocumentRow) {
  if (doc.sha256 === inspected.sha256) {
    // Touched, not changed: remember the new size and time so the next sync does not read it again.
    plan.upserts.set(doc.id, { ...doc, size_bytes: inspected.size, source_mtime_ms: inspected.mtimeMs });
    await keepUnchanged(plan, plan.upserts.get(doc.id)!);
    return;
  }
  plan.changes.changed++;
  plan.dropAttachmentsOf.push(doc.id);
  if (refusalOf(inspected.head, baseName(file.path))) plan.purge.push(doc.id);
  plan.drafts.push({ ...draftOf(plan, file, inspected, doc.id), createdAt: doc.created_at });
}

/**
 * Documents whose path is gone: renamed or moved if a new file has their content, else deleted.
 * New files with no such document are drafted under a new id. Returns the documents to delete.
 */
async function matchRenames(
  plan: SyncPlan,
  fresh: readonly FreshFile[],
  existing: readonly DocumentRow[],
  unreadableFolders: readonly string[],
): Promise<DocumentRow[]> {
  const underUnreadable = (path: string) => unreadableFolders.some((f) => path.startsWith(`${f}/`));
  const missing = existing.filter(
    (d) => d.source_path !== null && !plan.kept.has(d.source_path) && !underUnreadable(d.source_path),
  );
  const missingBySha = new Map<string, DocumentRow[]>();
  for (const d of missing) missingBySha.set(d.sha256, [...(missingBySha.get(d.sha256) ?? []), d]);
  const taken = new Set(existing.map((d) => d.id));
  for (const { file, inspected } of fresh) {
    const moved = missingBySha.get(inspected.sha256)?.shift();
    if (moved) {
      await moveDocument(plan, moved, file, inspected);
      continue;
    }
    const id = documentIdFor(plan.source.id, file.path, inspected.sha256, taken);
    taken.add(id);
    plan.changes.new++;
    plan.drafts.push(draftOf(plan, file, inspected, id));
  }
  return [...missingBySha.values()].flat();
}

/** A document whose file was renamed or moved: its new path, without reading it again. */
async function moveDocument(plan: SyncPlan, moved: DocumentRow, file: FoundFile, inspected: InspectedFile) {
  const name = baseName(file.path);
  const row: DocumentRow = {
    ...moved,
    name,
    title: moved.title === moved.name ? name : moved.title,
    source_path: file.path,
    file_path: file.abs,
    size_bytes: inspected.size,
    source_mtime_ms: inspected.mtimeMs,
  };
  plan.upserts.set(moved.id, row);
  plan.changes.renamed++;
  if (await requeue(plan, row)) plan.counts.queued++;
  else plan.counts.done++;
}

/** Write what is decided already: renames and requeues, then deletions, then the text of refused changes. */
async function writePlan(plan: SyncPlan, deleted: readonly DocumentRow[]): Promise<void> {
  const { documents } = plan.deps;
  const now = () => new Date().toISOString();
  await documents.upsert([...plan.upserts.values()].map((r) => ({ ...r, updated_at: now() })));
  const attachments = await documents.childrenOf([...deleted.map((d) => d.id), ...plan.dropAttachmentsOf]);
  await removeDocuments(documents, [...attachments, ...deleted], plan.deps.originals);
  if (!plan.deps.keepTextOfFailedVersions)
    for (const id of plan.purge) await documents.replaceContent(id, [], []);
  plan.changes.deleted = deleted.length;
}

/**
 * Record the new and changed files and queue them, with the requeued ones, as one flow; the sync's
 * summary is saved first, so the finishing job (which may run at once) has the last word.
 */
async function recordAndEnqueue(plan: SyncPlan, data: SyncJobData): Promise<void> {
  const { deps, source, syncId, counts, changes, drafts } = plan;
  const summaryBase = lastSync(source);
  const startedAt = summaryBase?.id === syncId ? summaryBase.started_at : new Date().toISOString();
  await deps.intake.record(drafts, {
    replace: true,
    keepOnEnqueueFailure: true,
    enqueue: async (queued) => {
      for (const row of queued) {
        plan.children.push({
          jobId: row.job_id!,
          data: { document_id: row.id, tenant: row.tenant, acl: row.acl, sync_id: syncId },
        });
      }
      counts.queued += queued.length;
      counts.failed += drafts.length - queued.length;
      const summary: SyncSummary = {
        id: syncId,
        state: "running",
        counts: { ...counts },
        changes,
        started_at: startedAt,
        finished_at: null,
        error: null,
      };
      await deps.sources.saveSync(source.id, summary, plan.issues);
      await deps.syncs.setPlanned(syncId, counts);
      await deps.syncs.addFlow(data, plan.children);
    },
  });
}

/** The documents of changed files refused at once say that their older text left search. */
async function noteEarlierTextRemoved(deps: SyncDeps, purged: readonly string[]): Promise<void> {
  if (deps.keepTextOfFailedVersions) return;
  for (const row of await deps.documents.getManyForWorker(purged))
    if (row.status === "failed")
      await deps.documents.update(row.id, { error: `${row.error}${EARLIER_TEXT_REMOVED}` });
}

/**
 * The folder to walk: the real path recorded when the source was registered. A folder that now
 * resolves elsewhere (a link swapped in for it or for a folder above it), or that is no longer in
 * the share folder it was registered under, is refused: nothing outside what was registered is read.
 * A source from a store made before real paths were recorded gets its real path recorded now.
 */
async function checkSourceFolder(deps: SyncDeps, source: SourceRow): Promise<string> {
  let real: string;
  try {
    real = await checkFolder(source.path);
  } catch (error) {
    if (error instanceof SourceUnavailableError) throw new SyncCannotRunError(error.message);
    throw error;
  }
  if (source.real_path === null) {
    await deps.sources.put({ ...source, real_path: real });
  } else if (real !== source.real_path) {
    throw new SyncCannotRunError(
      `the folder ${source.path} now resolves to another folder than the one registered (a link or a move?): the sync is refused and the index is kept as it was; put the folder back, or register the new one`,
    );
  }
  if (source.root !== null) {
    const roots = await Promise.all(
      (deps.roots ?? [])
        .filter((r) => r.tenant === source.tenant)
        .map((r) => realpath(r.path).catch(() => null)),
    );
    const inside = (r: string | null) => r === source.root && (real === r || real.startsWith(`${r}${sep}`));
    if (!roots.some(inside))
      throw new SyncCannotRunError(
        `the folder ${source.path} is no longer inside a share folder of its tenant (SOURCE_ROOTS): the sync is refused and the index is kept as it was`,
      );
  }
  return real;
}

/**
 * An empty folder (an unmounted share) or one that lost most of its files would delete the
 * source's documents: such a sync is refused unless it was started with allow_mass_delete.
 */
function refuseMassDelete(
  deps: SyncDeps,
  data: SyncJobData,
  deleting: number,
  documents: number,
  found: number,
): void {
  const ratio = deps.maxDeleteRatio ?? 0.2;
  if (data.allow_mass_delete || deleting === 0 || ratio >= 1) return;
  const emptied = found === 0;
  if (!emptied && (deleting <= ALWAYS_DELETABLE || deleting <= ratio * documents)) return;
  const share = Math.round((100 * deleting) / Math.max(1, documents));
  throw new SyncCannotRunError(
    `${emptied ? "the folder is empty (is the share mounted?): " : ""}this sync would remove ${deleting} of the source's ${documents} documents (${share}%, more than SYNC_MAX_DELETE_RATIO=${ratio} allows), so it changed nothing; if the files really were deleted, sync again with {"allow_mass_delete": true} (cited sync <folder> --allow-mass-delete)`,
  );
}

function zeroCounts(): PlannedCounts {
  return { discovered: 0, queued: 0, done: 0, skipped: 0, failed: 0 };
}

/**
 * Close a sync when all its files are settled (the flow's parent job): final counts from the index
 * itself, so they are right whatever Redis saw, and the source is free for the next sync.
 */
export async function finishSync(deps: SyncDeps, data: SyncJobData): Promise<SyncSummary | null> {
  const { sync_id: syncId } = data;
  const source = await deps.sources.getForWorker(data.source_id);
  if (!source) {
    await deps.syncs.release(data.source_id, syncId);
    return null;
  }
  const planned = lastSync(source);
  const docs = await deps.documents.listBySource(source.id);
  const mine = docs.filter((d) => d.job_id?.endsWith(`-${syncId}`));
  // A document whose job ended without the worker recording the end (it was killed too often) failed.
  for (const doc of mine.filter((d) => d.status === "queued" || d.status === "processing")) {
    const error =
      "the worker stopped while reading this file, several times: check the worker log (memory?), then change or sync the file again";
    await deps.documents.update(doc.id, { status: "failed", error, error_code: "unreadable" });
    doc.status = "failed";
  }
  const done = mine.filter((d) => d.status === "ready").length;
  const failed = mine.filter((d) => d.status === "failed").length;
  const base = planned?.id === syncId ? planned : null;
  const p = base?.counts ?? { discovered: 0, queued: 0, done: 0, skipped: 0, failed: 0 };
  const summary: SyncSummary = {
    id: syncId,
    state: "done",
    counts: {
      discovered: p.discovered,
      queued: 0,
      done: p.done + done,
      // Queued files whose document was deleted meanwhile.
      skipped: p.skipped + Math.max(0, p.queued - done - failed),
      failed: p.failed + failed,
    },
    changes: base?.changes ?? null,
    started_at: base?.started_at ?? new Date().toISOString(),
    finished_at: new Date().toISOString(),
    error: null,
  };
  await deps.sources.saveSync(source.id, summary);
  await deps.syncs.finish(syncId, "done");
  await deps.syncs.release(source.id, syncId);
  deps.log?.info({ source: source.id, sync: syncId, counts: summary.counts }, "sync done");
  return summary;
}

/** Record that a sync could not run (its folder is gone, or planning kept failing) and free the source. */
export async function failSync(deps: SyncDeps, data: SyncJobData, reason: string): Promise<void> {
  const source = await deps.sources.getForWorker(data.source_id);
  if (source) {
    const current = lastSync(source);
    const base = current?.id === data.sync_id ? current : null;
    await deps.sources.saveSync(source.id, {
      id: data.sync_id,
      state: "failed",
      counts: base?.counts ?? { discovered: 0, queued: 0, done: 0, skipped: 0, failed: 0 },
      changes: base?.changes ?? null,
      started_at: base?.started_at ?? new Date().toISOString(),
      finished_at: new Date().toISOString(),
      error: reason,
    });
  }
  await deps.syncs.finish(data.sync_id, "failed");
  await deps.syncs.release(data.source_id, data.sync_id);
}
