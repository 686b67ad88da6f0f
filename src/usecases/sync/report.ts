// The coverage report of a source: per file and per page, whether it is searchable and how its text
// was read, with totals and every failure — so that a lawyer sees exactly which pages search cannot find.
import type { DocumentRow, PageRow } from "../../../schemas/document.js";
import type { CoverageReport, ReportFile, SourceRow, SyncSummary } from "../../../schemas/sources.js";
import type { AccessScope } from "../../access/scope.js";
import type { DocumentRepository } from "../../store/documents.js";
import { syncIssues } from "../../store/sources.js";

type PageInfo = Pick<PageRow, "document_id" | "page" | "text_source" | "ocr_confidence">;

/** Build the report from the index (documents of the source and their attachments, their pages) and the last walk's issues. */
export async function buildReport(
  documents: DocumentRepository,
  source: SourceRow,
  sync: SyncSummary | null,
  scope: AccessScope,
): Promise<CoverageReport> {
  const docs = (await documents.listBySource(source.id)).filter((d) => d.tenant === scope.tenant);
  const attachments = await documents.childrenOf(docs.map((d) => d.id));
  const pathOf = new Map<string, string>(docs.map((d) => [d.id, d.source_path ?? d.name]));
  const all: { doc: DocumentRow; path: string }[] = [
    ...docs.map((doc) => ({ doc, path: pathOf.get(doc.id)! })),
    ...attachments.map((doc) => ({ doc, path: `${pathOf.get(doc.parent_id ?? "") ?? "?"} › ${doc.name}` })),
  ];
  const pages = new Map<string, PageInfo[]>();
  const ids = all.map((a) => a.doc.id);
  for (let i = 0; i < ids.length; i += 500) {
    for (const p of await documents.pageSources(ids.slice(i, i + 500), scope)) {
      const list = pages.get(p.document_id) ?? [];
      list.push(p);
      pages.set(p.document_id, list);
    }
  }

  const files: ReportFile[] = all.map(({ doc, path }) => ({
    path,
    document_id: doc.id,
    type: doc.type,
    status: doc.status,
    error: doc.error,
    error_code: doc.error_code,
    pages: (pages.get(doc.id) ?? [])
      .sort((a, b) => a.page - b.page)
      .map((p) => ({ page: p.page, text_source: p.text_source, ocr_confidence: p.ocr_confidence })),
  }));
  const issues = syncIssues(source);
  for (const issue of issues) {
    files.push({
      path: issue.path,
      document_id: null,
      type: null,
      status: issue.status,
      error: issue.reason,
      error_code: issue.code,
      pages: [],
    });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const count = (pred: (f: ReportFile) => boolean) => files.filter(pred).length;
  const allPages = files.flatMap((f) => f.pages);
  const failures = files
    .filter((f) => f.status === "failed")
    .map((f) => ({
      path: f.path,
      document_id: f.document_id,
      code: f.error_code,
      reason: f.error ?? "failed",
    }));
  const unsearchable = files
    .filter((f) => f.document_id && f.pages.some((p) => p.text_source === "failed"))
    .map((f) => ({
      path: f.path,
      document_id: f.document_id!,
      pages: f.pages.filter((p) => p.text_source === "failed").map((p) => p.page),
    }));
  return {
    source_id: source.id,
    path: source.path,
    sync,
    totals: {
      files: files.length,
      files_ready: count((f) => f.status === "ready"),
      files_pending: count((f) => f.status === "queued" || f.status === "processing"),
      files_failed: count((f) => f.status === "failed"),
      files_skipped: count((f) => f.status === "skipped"),
      pages: allPages.length,
      pages_text_layer: allPages.filter((p) => p.text_source === "text-layer").length,
      pages_ocr: allPages.filter((p) => p.text_source === "ocr").length,
      pages_failed: allPages.filter((p) => p.text_source === "failed").length,
    },
    unsearchable,
    failures,
    files,
  };
}
