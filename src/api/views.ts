// How stored rows are shown by the API.
import type { DocumentView } from "../../schemas/api.js";
import type { DocumentRow } from "../../schemas/document.js";
import { withoutPaths } from "./errors.js";

/** The notes stored with a document (a JSON array), or none. */
function notesOf(row: DocumentRow): string[] {
  try {
    const notes: unknown = JSON.parse(row.notes ?? "[]");
    return Array.isArray(notes) ? notes.filter((n): n is string => typeof n === "string") : [];
  } catch {
    return [];
  }
}

/** A stored document as the API shows it: no storage paths, no tenant internals. */
export function documentView(row: DocumentRow): DocumentView {
  return {
    id: row.id,
    name: row.name,
    title: row.title,
    status: row.status,
    type: row.type,
    tags: row.tags,
    pages: row.pages,
    chunks: row.chunks,
    size_bytes: row.size_bytes,
    sha256: row.sha256,
    job_id: row.job_id,
    source_id: row.source_id,
    source_path: row.source_path,
    parent_id: row.parent_id,
    page_numbers: row.page_numbers ?? null,
    notes: notesOf(row).map(withoutPaths),
    ...(row.error ? { error: withoutPaths(row.error) } : {}),
    ...(row.error_code ? { error_code: row.error_code } : {}),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
