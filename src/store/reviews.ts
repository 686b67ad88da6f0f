// The `reviews` and `review_cells` tables: a review per tenant, and its cells, each carrying its
// document's ACL so that a reader of a review sees only cells of documents they may read.
import type { Table } from "@lancedb/lancedb";
import { CellRow, ReviewRow, SummaryRow } from "../../schemas/review.js";
import { type AccessScope, scopeFilter } from "../access/scope.js";
import { sqlString } from "../lib/sql.js";
import { openOrCreate, type Store } from "./index.js";
import { selectRows } from "./rows.js";

/** Table names of reviews. */
export const REVIEW_TABLES = { reviews: "reviews", cells: "review_cells", summaries: "summaries" } as const;

/** Reviews, their cells and cached document summaries in LanceDB. */
export class ReviewRepository {
  private tables: Promise<{ reviews: Table; cells: Table; summaries: Table }> | null = null;

  constructor(private readonly store: Store) {}

  private open() {
    this.tables ??= (async () => ({
      reviews: await openOrCreate(this.store.db, REVIEW_TABLES.reviews, ReviewRow),
      cells: await openOrCreate(this.store.db, REVIEW_TABLES.cells, CellRow),
      summaries: await openOrCreate(this.store.db, REVIEW_TABLES.summaries, SummaryRow),
    }))();
    return this.tables;
  }

  async put(row: ReviewRow): Promise<void> {
    const { reviews } = await this.open();
    await reviews.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([row]);
  }

  /** A review of the caller's tenant, or null (a review of another tenant does not exist for them). */
  async get(id: string, scope: AccessScope): Promise<ReviewRow | null> {
    const { reviews } = await this.open();
    const where = `id = ${sqlString(id)} AND tenant = ${sqlString(scope.tenant)}`;
    const [row] = await selectRows<ReviewRow>(reviews, where);
    return row ?? null;
  }

  /** A review whatever its tenant: for workers, which act on jobs the API already authorised. */
  async getForWorker(id: string): Promise<ReviewRow | null> {
    const { reviews } = await this.open();
    const [row] = await selectRows<ReviewRow>(reviews, `id = ${sqlString(id)}`);
    return row ?? null;
  }

  async setState(id: string, state: string): Promise<void> {
    const row = await this.getForWorker(id);
    if (row) await this.put({ ...row, state, updated_at: new Date().toISOString() });
  }

  /** Write cells (insert or replace by id), so a job that runs twice leaves one copy. */
  async putCells(rows: CellRow[]): Promise<void> {
    if (rows.length === 0) return;
    const { cells } = await this.open();
    await cells.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows);
  }

  /** Cells of a review in documents the scope may read. */
  async cells(reviewId: string, scope: AccessScope): Promise<CellRow[]> {
    const { cells } = await this.open();
    return selectRows<CellRow>(cells, `review_id = ${sqlString(reviewId)} AND ${scopeFilter(scope)}`);
  }

  /** The cached summary of a document the scope may read, for this version (content hash), or null. */
  async summary(documentId: string, sha256: string, scope: AccessScope): Promise<SummaryRow | null> {
    const { summaries } = await this.open();
    const where = `document_id = ${sqlString(documentId)} AND sha256 = ${sqlString(sha256)} AND ${scopeFilter(scope)}`;
    const [row] = await selectRows<SummaryRow>(summaries, where);
    return row ?? null;
  }

  /** Cache a document's summary (one per document: a new version replaces the old). */
  async putSummary(row: SummaryRow): Promise<void> {
    const { summaries } = await this.open();
    await summaries
      .mergeInsert("document_id")
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .execute([row]);
  }
}
