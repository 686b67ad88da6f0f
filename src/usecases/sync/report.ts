// The coverage report of a source: per file and per page, whether it is searchable and how its text
// was read, with totals and every failure — so that a lawyer sees exactly which pages search cannot find.
import type { DocumentRow, PageRow } from "../../../schemas/document.js";
import type {
  CoverageReport,
  ReportFile,
  SourceRow,
  SyncIssue,
  SyncSummary,
} from "../../../schemas/sources.js";
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
  const all = await indexedFiles(documents, source, scope);
  const pages = await pagesOf(
    documents,
    all.map((a) => a.doc.id),
    scope,
  );
  const files: ReportFile[] = [
    ...all.map(({ doc, path }) => indexedFileEntry(doc, path, pages.get(doc.id) ?? [])),
    ...syncIssues(source).map(issueEntry),
  ];
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    source_id: source.id,
    path: source.path,
    sync,
    totals: totalsOf(files),
    unsearchable: unsearchableOf(files),
    failures: failuresOf(files),
    files,
  };
}

/** The source's documents in the caller's tenant, then their attachments, each with the path it is shown at. */
async function indexedFiles(
  documents: DocumentRepository,
  source: SourceRow,
  scope: AccessScope,
): Promise<{ doc: DocumentRow; path: string }[]> {
  const docs = (await documents.listBySource(source.id)).filter((d) => d.tenant === scope.tenant);
  const attachments = await documents.childrenOf(docs.map((d) => d.id));
  const pathOf = new Map<string, string>(docs.map((d) => [d.id, d.source_path ?? d.name]));
  return [
    ...docs.map((doc) => ({ doc, path: pathOf.get(doc.id)! })),
    ...attachments.map((doc) => ({ doc, path: `${pathOf.get(doc.parent_id ?? "") ?? "?"} › ${doc.name}` })),
  ];
}

/** How each page of these documents was read, by document (asked 500 documents at a time). */
async function pagesOf(
  documents: DocumentRepository,
  ids: readonly string[],
  scope: AccessScope,
): Promise<Map<string, PageInfo[]>> {
  const pages = new Map<string, PageInfo[]>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const p of await documents.pageSources(ids.slice(i, i + 500), scope)) {
      const list = pages.get(p.document_id) ?? [];
      list.push(p);
      pages.set(p.document_id, list);
    }
  }
  return pages;
}

/** An indexed file's line: its document's state and its pages in order. */
function indexedFileEntry(doc: DocumentRow, path: string, pages: PageInfo[]): ReportFile {
  return {
    path,
    document_id: doc.id,
    type: doc.type,
    status: doc.status,
    error: doc.error,
    error_code: doc.error_code,
    pages: pages
      .sort((a, b) => a.page - b.page)
      .map((p) => ({ page: p.page, text_source: p.text_source, ocr_confidence: p.ocr_confidence })),
  };
}

/** A file the walk skipped or could not read: a line with no document. */
function issueEntry(issue: SyncIssue): ReportFile {
  return {
    path: issue.path,
    document_id: null,
    type: null,
    status: issue.status,
    error: issue.reason,
    error_code: issue.code,
    pages: [],
  };
}

/** Files and pages counted by state. */
function totalsOf(files: readonly ReportFile[]): CoverageReport["totals"] {
  const count = (pred: (f: ReportFile) => boolean) => files.filter(pred).length;
  const allPages = files.flatMap((f) => f.pages);
  return {
    files: files.length,
    files_ready: count((f) => f.status === "ready"),
    files_pending: count((f) => f.status === "queued" || f.status === "processing"),
    files_failed: count((f) => f.status === "failed"),
    files_skipped: count((f) => f.status === "skipped"),
    pages: allPages.length,
    pages_text_layer: allPages.filter((p) => p.text_source === "text-layer").length,
    pages_ocr: allPages.filter((p) => p.text_source === "ocr").length,
    pages_failed: allPages.filter((p) => p.text_source === "failed").length,
  };
}

/** Every failed file with its reason. */
function failuresOf(files: readonly ReportFile[]): CoverageReport["failures"] {
  return files
    .filter((f) => f.status === "failed")
    .map((f) => ({
      path: f.path,
      document_id: f.document_id,
      code: f.error_code,
      reason: f.error ?? "failed",
    }));
}

/** Indexed files with pages search cannot find (OCR failed on them). */
function unsearchableOf(files: readonly ReportFile[]): CoverageReport["unsearchable"] {
  return files
    .filter((f) => f.document_id && f.pages.some((p) => p.text_source === "failed"))
    .map((f) => ({
      path: f.path,
      document_id: f.document_id!,
      pages: f.pages.filter((p) => p.text_source === "failed").map((p) => p.page),
    }));
}
