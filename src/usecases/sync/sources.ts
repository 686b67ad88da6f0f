// Sources as the API and the command line use them: register a folder, start a sync (the work is
// done by workers), read a source with its last sync's live counts, and its coverage report.
import { randomBytes } from "node:crypto";
import { realpath } from "node:fs/promises";
import { isAbsolute, normalize, sep } from "node:path";
import type { SourceRoot } from "../../../schemas/config.js";
import {
  type CoverageReport,
  FINISHED_SYNC_STATES,
  type SourceRow,
  type SourceView,
  type SyncAccepted,
  type SyncSummary,
} from "../../../schemas/sources.js";
import { type AccessScope, canRead, type Registrar, sourceAcl } from "../../access/scope.js";
import { globProblem } from "../../lib/glob.js";
import type { SyncQueue } from "../../queue/sync-queue.js";
import type { DocumentRepository } from "../../store/documents.js";
import { lastSync, type SourceRepository } from "../../store/sources.js";
import { buildReport } from "./report.js";
import { checkFolder, SourceUnavailableError } from "./walk.js";

/** The folder is not one the caller may register (outside its tenant's SOURCE_ROOTS, or a group's share). */
export class SourceForbiddenError extends Error {
  override name = "SourceForbiddenError";
}

/** A request the caller can fix (bad path, bad pattern): the message says how. */
export class SourceInputError extends Error {
  override name = "SourceInputError";
}

/** The folder is already registered for this tenant, as a source the caller may read. */
export class SourceExistsError extends Error {
  override name = "SourceExistsError";
  constructor(readonly existing: SourceRow) {
    super(
      `the folder ${existing.path} is already registered as source ${existing.id}: sync that one (POST /v1/sources/${existing.id}/sync)`,
    );
  }
}

/** The folder is, contains or lies in the folder of another source (one the caller may not read, or another folder). */
export class SourceOverlapError extends Error {
  override name = "SourceOverlapError";
  constructor() {
    super(
      "this folder is, contains or lies inside a folder that another source already syncs: each file is synced by one source only; ask whoever manages that source",
    );
  }
}

/** Who registers a source through the API: what they may share is checked against the share's groups. */
/** What a new source is made of (already authorised by the caller's role and groups). */
export interface NewSource {
  path: string;
  include?: readonly string[];
  exclude?: readonly string[];
  tags?: readonly string[];
  tenant: string;
  /** Groups that may read its documents; null: the share's groups (SOURCE_ROOTS), else public. */
  acl: readonly string[] | null;
  /** The API caller; absent for the operator's command line. */
  registrar?: Registrar;
}

export const newSourceId = () => `src_${randomBytes(8).toString("hex")}`;
export const newSyncId = () => `sync_${randomBytes(8).toString("hex")}`;

const zeroCounts = { discovered: 0, queued: 0, done: 0, skipped: 0, failed: 0 };
const within = (path: string, folder: string) => path === folder || path.startsWith(`${folder}${sep}`);
const realOrNull = (p: string) => realpath(p).catch(() => null);

/** The one answer for every folder the caller may not register: it tells nothing about the folder. */
const notYours = () =>
  new SourceForbiddenError(
    "this folder is not inside a share folder of your tenant (SOURCE_ROOTS): choose a folder in one of your shares, or ask the operator to add one",
  );

/** The share folders (SOURCE_ROOTS) of a tenant, with their real paths; where a root is gone, null. */
async function tenantRoots(roots: readonly SourceRoot[], tenant: string) {
  const mine = roots.filter((r) => r.tenant === tenant);
  return Promise.all(mine.map(async (r) => ({ ...r, real: await realOrNull(r.path) })));
}

export class SourceService {
  constructor(
    private readonly deps: {
      sources: SourceRepository;
      documents: DocumentRepository;
      syncs: SyncQueue;
      /** Cited's own data folder: never a source, nor inside one's walk. */
      dataDir: string;
      /** Share folders by tenant that API callers may register under; null: anywhere (the operator). */
      roots?: readonly SourceRoot[] | null;
    },
  ) {}

  /** Check a folder and its patterns, then register it. */
  async create(input: NewSource): Promise<SourceView> {
    const { path, real, root } = await this.checkPath(input.path, input.tenant);
    const acl = this.aclFor(input, root);
    for (const pattern of [...(input.include ?? []), ...(input.exclude ?? [])]) {
      const problem = globProblem(pattern);
      if (problem) throw new SourceInputError(`invalid pattern "${pattern}": ${problem}`);
    }
    await this.refuseOverlap(real, input);
    const now = new Date().toISOString();
    const row: SourceRow = {
      id: newSourceId(),
      tenant: input.tenant,
      acl,
      tags: [...(input.tags ?? [])],
      path,
      real_path: real,
      root: root?.real ?? null,
      include: [...(input.include ?? [])],
      exclude: [...(input.exclude ?? [])],
      created_at: now,
      updated_at: now,
      last_sync: null,
      issues: "[]",
    };
    await this.deps.sources.put(row);
    return this.view(row);
  }

  /** Who may read the new source's documents (src/access: sourceAcl); a refusal is a 403. */
  private aclFor(input: NewSource, root: { groups: string[] } | null): string[] {
    const decided = sourceAcl(root?.groups ?? [], input.acl, input.registrar);
    if ("refused" in decided) throw new SourceForbiddenError(decided.refused);
    return decided.acl;
  }

  /** One folder is synced by one source: refuse a folder equal to, inside or around another source's. */
  private async refuseOverlap(real: string, input: NewSource): Promise<void> {
    for (const other of await this.deps.sources.all()) {
      const theirs = other.real_path ?? (await realOrNull(other.path)) ?? other.path;
      if (!within(real, theirs) && !within(theirs, real)) continue;
      const readable = !input.registrar || canRead(input.registrar.scope, other);
      if (other.tenant === input.tenant && real === theirs && readable) throw new SourceExistsError(other);
      throw new SourceOverlapError();
    }
  }

  /** Change what a source syncs (the command line does, when run again with other options). */
  async update(
    source: SourceRow,
    changes: { include?: readonly string[]; exclude?: readonly string[]; tags?: readonly string[] },
  ): Promise<SourceRow> {
    for (const pattern of [...(changes.include ?? []), ...(changes.exclude ?? [])]) {
      const problem = globProblem(pattern);
      if (problem) throw new SourceInputError(`invalid pattern "${pattern}": ${problem}`);
    }
    const row: SourceRow = {
      ...source,
      include: [...(changes.include ?? source.include)],
      exclude: [...(changes.exclude ?? source.exclude)],
      tags: [...(changes.tags ?? source.tags)],
      updated_at: new Date().toISOString(),
    };
    await this.deps.sources.put(row);
    return row;
  }

  /**
   * An absolute, normalised path of an existing folder the server can list, outside Cited's data
   * folder, with its real path; for API callers, inside one of their tenant's share folders (the
   * share it lies in is returned). The share folders are checked before the path is looked at, so a
   * caller learns nothing of folders outside its shares, not even whether they exist.
   */
  private async checkPath(
    raw: string,
    tenant: string,
  ): Promise<{ path: string; real: string; root: (SourceRoot & { real: string }) | null }> {
    if (!isAbsolute(raw))
      throw new SourceInputError(`path must be absolute (start with /), got "${raw}": give the full path`);
    const path = normalize(raw).replace(/(.)\/+$/, "$1");
    const roots = this.deps.roots ?? null;
    if (roots !== null && roots.length === 0)
      throw new SourceForbiddenError(
        "registering folders through the API is off on this server: the operator lists share folders in SOURCE_ROOTS (or runs `cited sync <folder>` on the server)",
      );
    const mine = roots === null ? null : await tenantRoots(roots, tenant);
    if (mine !== null && !mine.some((r) => within(path, r.path) || (r.real && within(path, r.real))))
      throw notYours();
    let real: string;
    try {
      real = await checkFolder(path);
    } catch (error) {
      if (error instanceof SourceUnavailableError) throw new SourceInputError(error.message);
      throw error;
    }
    // Links resolved: the folder itself must lie in the share, not only its name.
    const root =
      mine === null
        ? null
        : (mine
            .filter((r): r is SourceRoot & { real: string } => r.real !== null && within(real, r.real))
            .sort((a, b) => b.real.length - a.real.length)[0] ?? null);
    if (mine !== null && root === null) throw notYours();
    const data = await realOrNull(this.deps.dataDir);
    if (data && within(real, data)) {
      throw new SourceInputError(
        `${path} is inside Cited's own data folder (DATA_DIR): choose the folder of your documents`,
      );
    }
    return { path, real, root };
  }

  async get(id: string, scope: AccessScope): Promise<SourceRow | null> {
    return this.deps.sources.get(id, scope);
  }

  async findByPath(tenant: string, path: string): Promise<SourceRow | null> {
    return this.deps.sources.findByPath(tenant, normalize(path).replace(/(.)\/+$/, "$1"));
  }

  async list(scope: AccessScope): Promise<SourceView[]> {
    const rows = await this.deps.sources.list(scope);
    return Promise.all(rows.map((r) => this.view(r)));
  }

  /** The last sync of a source, with live counts while it runs; a run Redis lost is `interrupted`. */
  async syncSummary(row: SourceRow): Promise<SyncSummary | null> {
    const summary = lastSync(row);
    if (!summary || FINISHED_SYNC_STATES.includes(summary.state)) return summary;
    let live: Awaited<ReturnType<SyncQueue["live"]>> | undefined;
    try {
      live = await this.deps.syncs.live(summary.id);
    } catch {
      // Redis is down: show what the store knows.
      return summary;
    }
    if (live === null) return { ...summary, state: "interrupted" };
    const shown = { ...summary, state: live.state, counts: live.counts };
    return FINISHED_SYNC_STATES.includes(live.state) ? this.finishedSummary(row, shown) : shown;
  }

  /**
   * A sync that ended between reading the row and asking Redis: the store has its final summary (the
   * worker records it before it tells Redis), error and changes included.
   */
  private async finishedSummary(row: SourceRow, live: SyncSummary): Promise<SyncSummary> {
    const fresh = lastSync((await this.deps.sources.getForWorker(row.id)) ?? row);
    return fresh?.id === live.id && FINISHED_SYNC_STATES.includes(fresh.state) ? fresh : live;
  }

  async view(row: SourceRow): Promise<SourceView> {
    return {
      id: row.id,
      path: row.path,
      include: row.include,
      exclude: row.exclude,
      tags: row.tags,
      groups: row.acl,
      created_at: row.created_at,
      last_sync: await this.syncSummary(row),
    };
  }

  /**
   * Start a sync of a source, unless one is running: then that one's id is returned. The planning
   * runs in a worker; a sync whose jobs are gone (Redis restarted) no longer counts as running.
   */
  async startSync(source: SourceRow, options: { allowMassDelete?: boolean } = {}): Promise<SyncAccepted> {
    const { syncs } = this.deps;
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await syncs.activeSync(source.id);
      if (current && (await syncs.isAlive(current))) return { sync_id: current, started: false };
      const syncId = newSyncId();
      if (!(await syncs.claim(source.id, syncId, current))) continue;
      await syncs.begin(syncId);
      const summary: SyncSummary = {
        id: syncId,
        state: "queued",
        counts: zeroCounts,
        changes: null,
        started_at: new Date().toISOString(),
        finished_at: null,
        error: null,
      };
      await this.deps.sources.saveSync(source.id, summary);
      try {
        await syncs.enqueuePlan({
          source_id: source.id,
          sync_id: syncId,
          ...(options.allowMassDelete ? { allow_mass_delete: true } : {}),
        });
      } catch (error) {
        await syncs.release(source.id, syncId).catch(() => {});
        await this.deps.sources.saveSync(source.id, {
          ...summary,
          state: "failed",
          finished_at: new Date().toISOString(),
          error: "the sync could not be queued: Redis did not answer",
        });
        throw error;
      }
      return { sync_id: syncId, started: true };
    }
    throw new Error("could not start a sync: another request kept starting one at the same time");
  }

  /** The coverage report, or null before the first sync. */
  async report(source: SourceRow, scope: AccessScope): Promise<CoverageReport | null> {
    const sync = await this.syncSummary(source);
    if (!sync) return null;
    return buildReport(this.deps.documents, source, sync, scope);
  }
}
