// Opening a file of a share (or Cited's own copy) so that only a regular file at that very path is
// read: the last component is opened with O_NOFOLLOW (a link swapped in fails), O_NONBLOCK (a FIFO
// swapped in cannot block), and the descriptor is checked to be a regular file. Reading then goes
// through that descriptor, so nothing can be swapped between the check and the read.
import { createHash } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { type FileHandle, open, realpath } from "node:fs/promises";
import { dirname } from "node:path";

/** The path is, or goes through, a link, or is not a regular file: it is not read. */
export class UnsafeFileError extends Error {
  override name = "UnsafeFileError";
  constructor(
    message: string,
    /** "link" (a link at the path or in its folders) or "not_a_file" (a pipe, socket, device, folder). */
    readonly kind: "link" | "not_a_file",
  ) {
    super(message);
  }
}

export interface OpenOptions {
  /**
   * The folders of the path must be the real ones (no link anywhere in them): true for files of a
   * share, whose paths are built from the share's real path; Cited's own copies may sit under a
   * DATA_DIR reached through a link.
   */
  realFolders?: boolean;
}

/** Open `path` for reading as described above; the caller closes the handle. */
export async function openRegularFile(
  path: string,
  options: OpenOptions = {},
): Promise<{ fh: FileHandle; stats: Stats }> {
  if (options.realFolders !== false) {
    const folder = dirname(path);
    if ((await realpath(folder)) !== folder)
      throw new UnsafeFileError("a folder on the file's path is a link: the file is not read", "link");
  }
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP")
      throw new UnsafeFileError("the file is a link: links are not followed", "link");
    throw error;
  }
  const stats = await fh.stat();
  if (!stats.isFile()) {
    await fh.close();
    throw new UnsafeFileError("not a regular file (a pipe, socket or device): it is not read", "not_a_file");
  }
  return { fh, stats };
}

/** SHA-256 of everything an open handle holds, read from its start. */
export async function sha256OfHandle(fh: FileHandle): Promise<string> {
  const hash = createHash("sha256");
  const buffer = Buffer.alloc(1024 * 1024);
  for (let position = 0; ; ) {
    const { bytesRead } = await fh.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash.digest("hex");
}
