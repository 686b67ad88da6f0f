import { type SourceRow, SyncIssue, SyncSummary } from "../../schemas/sources.js";
import { type AccessScope, scopeFilter } from "../access/scope.js";
import { sqlString } from "../lib/sql.js";
import type { Store } from "./index.js";
import { selectRows } from "./rows.js";

const byId = (id: string) => `id = ${sqlString(id)}`;

/** The `sources` table: registered folders and the summary of their last sync. */
export class SourceRepository {
  constructor(private readonly store: Store) {}

  /** Write whole rows (insert or replace by id), so paths and JSON of any content go in unquoted. */
  async put(row: SourceRow): Promise<void> {
    await this.store.sources
      .mergeInsert("id")
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .execute([row]);
  }

  /** A source the scope may read, or null. */
  async get(id: string, scope: AccessScope): Promise<SourceRow | null> {
    const [row] = await selectRows<SourceRow>(this.store.sources, `${byId(id)} AND ${scopeFilter(scope)}`);
    return row ?? null;
  }

  /** A source whatever its tenant: for workers, which act on jobs the API already authorised. */
  async getForWorker(id: string): Promise<SourceRow | null> {
    const [row] = await selectRows<SourceRow>(this.store.sources, byId(id));
    return row ?? null;
  }

  /** Sources the scope may read, oldest first. */
  async list(scope: AccessScope): Promise<SourceRow[]> {
    const rows = await selectRows<SourceRow>(this.store.sources, scopeFilter(scope));
    return rows.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  /** Every source, whatever its tenant: to keep folders of different sources apart. */
  async all(): Promise<SourceRow[]> {
    return selectRows<SourceRow>(this.store.sources, "id IS NOT NULL");
  }

  /** The source of a tenant registered with this folder, if any. */
  async findByPath(tenant: string, path: string): Promise<SourceRow | null> {
    const [row] = await selectRows<SourceRow>(
      this.store.sources,
      `tenant = ${sqlString(tenant)} AND path = ${sqlString(path)}`,
    );
    return row ?? null;
  }

  /**
   * Record a sync's summary (and, when given, the problems its walk found) on its source. A summary
   * of an older sync never replaces a newer one's, so a late writer cannot undo a newer run.
   */
  async saveSync(sourceId: string, summary: SyncSummary, issues?: readonly SyncIssue[]): Promise<void> {
    const row = await this.getForWorker(sourceId);
    if (!row) return;
    const current = lastSync(row);
    if (current && current.id !== summary.id && current.started_at > summary.started_at) return;
    await this.put({
      ...row,
      last_sync: JSON.stringify(summary),
      ...(issues ? { issues: JSON.stringify(issues) } : {}),
      updated_at: new Date().toISOString(),
    });
  }

  async delete(id: string): Promise<void> {
    await this.store.sources.delete(byId(id));
  }
}

/** The summary of a source's last sync, or null before the first. */
export function lastSync(row: SourceRow): SyncSummary | null {
  if (!row.last_sync) return null;
  const parsed = SyncSummary.safeParse(JSON.parse(row.last_sync));
  return parsed.success ? parsed.data : null;
}

/** What the last sync's walk found that is not a document. */
export function syncIssues(row: SourceRow): SyncIssue[] {
  const parsed = SyncIssue.array().safeParse(JSON.parse(row.issues || "[]"));
  return parsed.success ? parsed.data : [];
}
