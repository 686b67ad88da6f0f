// Serving a document's original file: only the bytes that were indexed, read without following links.
import type { FileHandle } from "node:fs/promises";
import type { DocumentRow } from "../../schemas/document.js";
import { openRegularFile, sha256OfHandle, UnsafeFileError } from "../lib/open-file.js";
import type { Originals } from "../store/originals.js";

/** The file is no longer the one that was indexed: changed, replaced by a link, or not a regular file. */
export class FileChangedError extends Error {
  override name = "FileChangedError";
  constructor(
    message: string,
    /** The file is a synced folder's (syncing again reads it anew), not an upload. */
    readonly fromSource: boolean,
  ) {
    super(message);
  }
}

/**
 * Open a document's file for serving: its path opened once without following links (a share file
 * must also lie in real folders), a regular file, and its SHA-256 equal to the one recorded when it
 * was indexed — so nothing but what was ingested is ever served, whatever was put at its path since.
 * The caller streams from the returned handle (from position 0) and closes it; null when the file is gone.
 */
export async function openIndexedFile(
  doc: DocumentRow,
  originals: Pick<Originals, "localPath">,
): Promise<{ fh: FileHandle; size: number } | null> {
  let opened: Awaited<ReturnType<typeof openRegularFile>>;
  try {
    const path = await originals.localPath(doc.file_path);
    opened = await openRegularFile(path, { realFolders: doc.source_id !== null });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    if (error instanceof UnsafeFileError) throw new FileChangedError(error.message, doc.source_id !== null);
    throw error;
  }
  const { fh, stats } = opened;
  try {
    if ((await sha256OfHandle(fh)) !== doc.sha256)
      throw new FileChangedError(
        "the file's content is no longer the one that was indexed",
        doc.source_id !== null,
      );
  } catch (error) {
    await fh.close();
    throw error;
  }
  return { fh, size: stats.size };
}
