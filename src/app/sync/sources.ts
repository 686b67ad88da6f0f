// Sources as the API and the command line use them: register a folder, start a sync (the work is
// done by workers), read a source with its last sync's live counts, and its coverage report.
import { randomBytes } from "node:crypto";
import { realpath } from "node:fs/promises";
import { isAbsolute, normalize, sep } from "node:path";
import {
  type CoverageReport,
  FINISHED_SYNC_STATES,
  type SourceRow,
  type SourceView,
  type SyncAccepted,
  type SyncSummary,
} from "../../../schemas/sources.js";
import type { AccessScope } from "../../access/scope.js";
import { globProblem } from "../../lib/glob.js";
import type { SyncQueue } from "../../queue/sync-queue.js";
import type { DocumentRepository } from "../../store/documents.js";
import { lastSync, type SourceRepository } from "../../store/sources.js";
import { buildReport } from "./report.js";
import { checkFolder, SourceUnavailableError } from "./walk.js";

/** A request the caller can fix (bad path, bad pattern): the message says how. */
/** The folder is outside the roots the operator allows (SOURCE_ROOTS). */
export class SourceForbiddenError extends Error {
  override name = "SourceForbiddenError";
}

export class SourceInputError extends Error {
  override name = "SourceInputError";
}

/** The folder is already registered for this tenant. */
export class SourceExistsError extends Error {
  override name = "SourceExistsError";
  constructor(readonly existing: SourceRow) {
    super(
      `the folder ${existing.path} is already registered as source ${existing.id}: sync that one (POST /v1/sources/${existing.id}/sync)`,
    );
  }
}

/** What a new source is made of (already authorised by the caller's role and groups). */
export interface NewSource {
  path: string;
  include?: readonly string[];
  exclude?: readonly string[];
  tags?: readonly string[];
  tenant: string;
  acl: readonly string[];
}

export const newSourceId = () => `src_${randomBytes(8).toString("hex")}`;
export const newSyncId = () => `sync_${randomBytes(8).toString("hex")}`;

const zeroCounts = { discovered: 0, queued: 0, done: 0, skipped: 0, failed: 0 };

export class SourceService {
  constructor(
    private readonly deps: {
      sources: SourceRepository;
      documents: DocumentRepository;
      syncs: SyncQueue;
      /** Cited's own data folder: never a source, nor inside one's walk. */
      dataDir: string;
      /** Folders new sources must lie in; null: anywhere (the operator's own command line). */
      roots?: readonly string[] | null;
    },
  ) {}

  /** Check a folder and its patterns, then register it. */
  async create(input: NewSource): Promise<SourceView> {
    const path = await this.checkPath(input.path);
    for (const pattern of [...(input.include ?? []), ...(input.exclude ?? [])]) {
      const problem = globProblem(pattern);
      if (problem) throw new SourceInputError(`invalid pattern "${pattern}": ${problem}`);
    }
    const existing = await this.deps.sources.findByPath(input.tenant, path);
    if (existing) throw new SourceExistsError(existing);
    const now = new Date().toISOString();
    const row: SourceRow = {
      id: newSourceId(),
      tenant: input.tenant,
      acl: [...input.acl],
      tags: [...(input.tags ?? [])],
      path,
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

  /** An absolute, normalised path of an existing folder the server can list, outside Cited's data folder. */
  private async checkPath(raw: string): Promise<string> {
    if (!isAbsolute(raw))
      throw new SourceInputError(`path must be absolute (start with /), got "${raw}": give the full path`);
    const path = normalize(raw).replace(/(.)\/+$/, "$1");
    let real: string;
    try {
      real = await checkFolder(path);
    } catch (error) {
      if (error instanceof SourceUnavailableError) throw new SourceInputError(error.message);
      throw error;
    }
    let data: string | null = null;
    try {
      data = await realpath(this.deps.dataDir);
    } catch {
      // No data folder yet.
    }
    const roots = this.deps.roots ?? null;
    if (roots !== null) {
      const allowed = await Promise.all(roots.map((r) => realpath(r).catch(() => null)));
      if (!allowed.some((r) => r !== null && (real === r || real.startsWith(`${r}${sep}`)))) {
        throw new SourceForbiddenError(
          roots.length === 0
            ? "registering folders through the API is off on this server: the operator lists the allowed share folders in SOURCE_ROOTS (or runs `cited sync <folder>` on the server)"
            : `${path} is not inside a folder this server shares (SOURCE_ROOTS: ${roots.join(", ")}): choose a folder under one of them`,
        );
      }
    }
    if (data && (real === data || real.startsWith(`${data}${sep}`))) {
      throw new SourceInputError(
        `${path} is inside Cited's own data folder (DATA_DIR): choose the folder of your documents`,
      );
    }
    return path;
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
    return { ...summary, state: live.state, counts: live.counts };
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
  async startSync(source: SourceRow): Promise<SyncAccepted> {
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
        await syncs.enqueuePlan({ source_id: source.id, sync_id: syncId });
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
