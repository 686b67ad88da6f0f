// Walking a source folder safely: links are never followed (so no loops and nothing outside the
// folder is read), only regular files are ever opened, and every odd entry becomes a per-file
// result instead of stopping the walk.

import { createHash } from "node:crypto";
import { constants, type Dirent, type Stats } from "node:fs";
import { lstat, open, readdir, realpath } from "node:fs/promises";
import { join, sep } from "node:path";
import type { SyncIssue } from "../../../schemas/sources.js";
import type { GlobList } from "../../lib/glob.js";

/** The folder itself cannot be read: the sync fails and nothing is removed from the index. */
export class SourceUnavailableError extends Error {
  override name = "SourceUnavailableError";
}

/** A regular file of the tree, with what `stat` says of it. */
export interface FoundFile {
  /** Path relative to the folder, `/`-separated. */
  path: string;
  /** Absolute path. */
  abs: string;
  size: number;
  mtimeMs: number;
}

export interface WalkResult {
  files: FoundFile[];
  /** Entries that are not documents: skipped on purpose, or not readable. */
  issues: SyncIssue[];
  /** Folders that could not be listed: what is indexed under them is kept as it is. */
  unreadableFolders: string[];
}

export interface WalkOptions {
  include: GlobList;
  exclude: GlobList;
  /** Files larger than this are reported, not read (UPLOAD_MAX_BYTES). */
  maxBytes: number;
  /** Absolute folders never to enter (Cited's own DATA_DIR, when it lies inside the folder). */
  skipFolders?: readonly string[];
  /** Called now and then with the number of entries found so far. */
  onProgress?: (found: number) => void;
  /** `root` is a real path (links resolved) and must still be one: a link swapped in meanwhile fails the walk. */
  rootIsReal?: boolean;
}

const issue = (
  path: string,
  status: SyncIssue["status"],
  code: string,
  reason: string,
  stats?: Stats,
): SyncIssue => ({
  path,
  status,
  code,
  reason,
  size_bytes: stats ? stats.size : null,
  mtime_ms: stats ? stats.mtimeMs : null,
});

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  return "not a regular file";
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** Resolve and check the folder of a source: absolute, existing, a folder, listable. */
export async function checkFolder(path: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SourceUnavailableError(
      code === "ENOENT"
        ? `the folder ${path} does not exist (any more): check the path, or mount the share again`
        : `the folder ${path} cannot be opened (${code ?? "error"}): check that the server may read it`,
    );
  }
  const stats = await lstat(real);
  if (!stats.isDirectory()) throw new SourceUnavailableError(`${path} is not a folder: give a folder`);
  try {
    await readdir(real);
  } catch (error) {
    throw new SourceUnavailableError(
      `the folder ${path} cannot be listed (${(error as NodeJS.ErrnoException).code ?? "error"}): check that the server may read it`,
    );
  }
  return real;
}

/**
 * Every entry under `root` that the include/exclude patterns select. Links are reported (inside
 * the folder: skipped, what they point to is synced at its own path; outside or broken: failed),
 * never followed; FIFOs, sockets and devices are reported as not files, never opened; files over the
 * size limit are reported, not read.
 */
export async function walkFolder(root: string, options: WalkOptions): Promise<WalkResult> {
  const realRoot = await checkFolder(root);
  if (options.rootIsReal && realRoot !== root)
    throw new SourceUnavailableError(`the folder ${root} now resolves to another folder: not walked`);
  const walk: Walk = {
    root,
    realRoot,
    options,
    skip: new Set(options.skipFolders ?? []),
    result: { files: [], issues: [], unreadableFolders: [] },
    found: 0,
  };
  const stack: string[] = [""];
  while (stack.length > 0) {
    const relDir = stack.pop()!;
    const absDir = relDir ? join(realRoot, relDir) : realRoot;
    const entries = await listFolder(walk, relDir, absDir);
    if (!entries) continue;
    const subfolders: string[] = [];
    for (const entry of entries) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      const subfolder = await visitEntry(walk, rel, join(absDir, entry.name));
      if (subfolder) subfolders.push(subfolder);
    }
    // Depth first, in name order.
    stack.push(...subfolders.reverse());
  }
  options.onProgress?.(walk.found);
  return walk.result;
}

/** One walk under way: where it started, what it selects, and what it has found so far. */
interface Walk {
  root: string;
  realRoot: string;
  options: WalkOptions;
  /** Absolute folders never entered. */
  skip: ReadonlySet<string>;
  result: WalkResult;
  /** Selected entries so far, for progress. */
  found: number;
}

/** A folder's entries in name order; null (and an issue) when a folder below the root cannot be listed. */
async function listFolder(walk: Walk, relDir: string, absDir: string): Promise<Dirent[] | null> {
  let entries: Dirent[];
  try {
    entries = await readdir(absDir, { withFileTypes: true });
  } catch (error) {
    if (!relDir) throw new SourceUnavailableError(`the folder ${walk.root} cannot be listed any more`);
    walk.result.unreadableFolders.push(relDir);
    walk.result.issues.push(
      issue(
        relDir,
        "failed",
        "unreadable_folder",
        `the folder cannot be listed (${(error as NodeJS.ErrnoException).code ?? "error"}): what was indexed from it is kept; let the server read it`,
      ),
    );
    return null;
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * One entry of a folder: a selected file is found, anything else that is selected is reported.
 * Returns the entry's path when it is a folder to walk next.
 */
async function visitEntry(walk: Walk, rel: string, abs: string): Promise<string | null> {
  const { options, result } = walk;
  let stats: Stats;
  try {
    stats = await lstat(abs);
  } catch (error) {
    result.issues.push(
      issue(
        rel,
        "failed",
        "unreadable",
        `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}); if its name is not valid UTF-8, rename it`,
      ),
    );
    return null;
  }
  if (stats.isDirectory()) return !options.exclude.matches(rel) && !walk.skip.has(abs) ? rel : null;
  if (options.exclude.matches(rel) || (!options.include.empty && !options.include.matches(rel))) return null;
  walk.found++;
  if (walk.found % 200 === 0) options.onProgress?.(walk.found);
  const problem = stats.isSymbolicLink()
    ? await linkIssue(walk, rel, abs)
    : fileIssue(rel, stats, options.maxBytes);
  if (problem) result.issues.push(problem);
  else result.files.push({ path: rel, abs, size: stats.size, mtimeMs: stats.mtimeMs });
  return null;
}

/** A link is never followed: skipped when it points inside the folder, failed when outside or broken. */
async function linkIssue(walk: Walk, rel: string, abs: string): Promise<SyncIssue> {
  let target: string;
  try {
    target = await realpath(abs);
  } catch {
    return issue(
      rel,
      "failed",
      "broken_link",
      "a link to something that does not exist (or a loop of links)",
    );
  }
  const { realRoot } = walk;
  const inside = target === realRoot || target.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
  return inside
    ? issue(
        rel,
        "skipped",
        "link",
        "a link inside the folder: not followed; what it points to is synced at its own path",
      )
    : issue(
        rel,
        "failed",
        "link_outside_root",
        "a link to a place outside the synced folder: not followed, so nothing outside the folder is indexed",
      );
}

/** Why an entry that is no link is not read (not a regular file, too large), or null when it is read. */
function fileIssue(rel: string, stats: Stats, maxBytes: number): SyncIssue | null {
  if (!stats.isFile())
    return issue(rel, "failed", "not_a_file", `${kindOf(stats)}, not a regular file: not read`);
  if (stats.size > maxBytes)
    return issue(
      rel,
      "failed",
      "too_large",
      `the file is ${mb(stats.size)} MB, over the limit of ${mb(maxBytes)} MB: split it or raise UPLOAD_MAX_BYTES`,
      stats,
    );
  return null;
}

/** What reading a file for a sync found. */
export interface InspectedFile {
  sha256: string;
  /** The first bytes (up to headBytes), for type detection. */
  head: Uint8Array;
  size: number;
  mtimeMs: number;
}

/**
 * Hash a file and keep its first bytes, opening it so that nothing but a regular file is ever read
 * (no following a link swapped in, no blocking on a FIFO). `stopAfterHead` may end the read early
 * (e.g. a format Cited does not read): then null is returned.
 */
export async function inspectFile(
  abs: string,
  headBytes: number,
  stopAfterHead: (head: Uint8Array) => boolean = () => false,
): Promise<InspectedFile | null> {
  const fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stats = await fh.stat();
    if (!stats.isFile()) {
      const error = new Error(`${kindOf(stats)}, not a regular file`) as NodeJS.ErrnoException;
      error.code = "ENOTFILE";
      throw error;
    }
    const hash = createHash("sha256");
    const head = Buffer.alloc(Math.min(headBytes, stats.size));
    let headFilled = 0;
    const buffer = Buffer.alloc(1024 * 1024);
    let position = 0;
    let checked = false;
    for (;;) {
      const { bytesRead } = await fh.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      if (headFilled < head.length) headFilled += chunk.copy(head, headFilled, 0, head.length - headFilled);
      position += bytesRead;
      if (!checked && headFilled >= head.length) {
        checked = true;
        if (stopAfterHead(head.subarray(0, headFilled))) return null;
      }
    }
    if (!checked && stopAfterHead(head.subarray(0, headFilled))) return null;
    return {
      sha256: hash.digest("hex"),
      head: head.subarray(0, headFilled),
      size: position,
      mtimeMs: stats.mtimeMs,
    };
  } finally {
    await fh.close();
  }
}
