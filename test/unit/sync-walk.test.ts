// The walk of a source folder on a hostile tree: links (loops, outside, broken), FIFOs, sockets,
// big and empty files, odd names. Nothing may hang, nothing outside the folder may be read.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFile } from "../../ingestion/pipeline.js";
import { GlobList } from "../../src/lib/glob.js";
import { inspectFile, SourceUnavailableError, walkFolder } from "../../src/usecases/sync/walk.js";

let root: string;
let outside: string;
let socket: Server;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "cited-walk-"));
  outside = mkdtempSync(join(tmpdir(), "cited-walk-outside-"));
  writeFileSync(join(outside, "secret.txt"), "outside");
  mkdirSync(join(root, "a/b"), { recursive: true });
  mkdirSync(join(root, "skip-me"), { recursive: true });
  mkdirSync(join(root, "data"), { recursive: true });
  writeFileSync(join(root, "a/b/deep.txt"), "deep");
  writeFileSync(join(root, "skip-me/x.txt"), "x");
  writeFileSync(join(root, "data/cited.txt"), "Cited's own data");
  writeFileSync(join(root, "big.txt"), "x".repeat(2000));
  writeFileSync(join(root, "empty.txt"), "");
  for (const name of ["with space.txt", 'quote\'s "dq".txt', "ünïcødé ☃.txt", "new\nline.txt"])
    writeFileSync(join(root, name), name);
  symlinkSync(root, join(root, "a/loop"));
  symlinkSync(join(root, "a"), join(root, "a/b/up"));
  symlinkSync(outside, join(root, "outside-dir"));
  symlinkSync(join(outside, "secret.txt"), join(root, "outside-file.txt"));
  symlinkSync(join(root, "a/b/deep.txt"), join(root, "inside-file.txt"));
  symlinkSync(join(root, "gone.txt"), join(root, "dangling.txt"));
  execFileSync("mkfifo", [join(root, "pipe.txt")]);
  socket = createServer();
  await new Promise<void>((r) => socket.listen(join(root, "sock.txt"), () => r()));
});

afterAll(async () => {
  await new Promise((r) => socket.close(r));
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const walk = (include: string[] = [], exclude: string[] = []) =>
  walkFolder(root, {
    include: new GlobList(include),
    exclude: new GlobList(exclude),
    maxBytes: 1000,
    skipFolders: [join(root, "data")],
  });

describe("walking a source folder", () => {
  test("every entry is a file, a skip or a failure with its reason; links are never followed", async () => {
    const { files, issues, unreadableFolders } = await walk([], ["skip-me"]);
    expect(files.map((f) => f.path).sort()).toEqual(
      [
        "a/b/deep.txt",
        "empty.txt",
        "new\nline.txt",
        'quote\'s "dq".txt',
        "with space.txt",
        "ünïcødé ☃.txt",
      ].sort(),
    );
    const byPath = Object.fromEntries(issues.map((i) => [i.path, `${i.status}:${i.code}`]));
    expect(byPath).toEqual({
      "a/b/up": "skipped:link",
      "a/loop": "skipped:link",
      "big.txt": "failed:too_large",
      "dangling.txt": "failed:broken_link",
      "inside-file.txt": "skipped:link",
      "outside-dir": "failed:link_outside_root",
      "outside-file.txt": "failed:link_outside_root",
      "pipe.txt": "failed:not_a_file",
      "sock.txt": "failed:not_a_file",
    });
    expect(issues.find((i) => i.path === "pipe.txt")!.reason).toMatch(/named pipe/);
    expect(unreadableFolders).toEqual([]);
  });

  test("include and exclude patterns select files; Cited's data folder is never walked", async () => {
    const { files, issues } = await walk(["**/*.txt"], ["*space*", "a/b"]);
    const paths = files.map((f) => f.path);
    expect(paths).not.toContain("with space.txt");
    expect(paths).not.toContain("a/b/deep.txt");
    expect(paths).not.toContain("data/cited.txt");
    expect(paths).toContain("skip-me/x.txt");
    expect(issues.map((i) => i.path)).not.toContain("a/b/up");
  });

  test("a folder that is gone or not a folder is an error of the whole sync", async () => {
    await expect(
      walkFolder(join(root, "missing"), {
        include: new GlobList([]),
        exclude: new GlobList([]),
        maxBytes: 1000,
      }),
    ).rejects.toBeInstanceOf(SourceUnavailableError);
    await expect(
      walkFolder(join(root, "empty.txt"), {
        include: new GlobList([]),
        exclude: new GlobList([]),
        maxBytes: 1,
      }),
    ).rejects.toThrow(/not a folder/);
  });

  test("inspecting refuses what is not a regular file at once (no blocking on a FIFO, no following a link)", async () => {
    await expect(inspectFile(join(root, "pipe.txt"), 1024)).rejects.toMatchObject({ code: "ENOTFILE" });
    await expect(inspectFile(join(root, "inside-file.txt"), 1024)).rejects.toMatchObject({ code: "ELOOP" });
    const file = await inspectFile(join(root, "a/b/deep.txt"), 2);
    expect(file).toMatchObject({ sha256: createHash("sha256").update("deep").digest("hex"), size: 4 });
    expect(Buffer.from(file!.head).toString()).toBe("de");
    expect(await inspectFile(join(root, "a/b/deep.txt"), 1024, () => true)).toBeNull();
  });

  test("a folder that cannot be listed keeps its place (only testable when not root)", async () => {
    if (process.getuid?.() === 0) return;
    const locked = join(root, "locked");
    mkdirSync(locked);
    execFileSync("chmod", ["000", locked]);
    try {
      const { unreadableFolders, issues } = await walk();
      expect(unreadableFolders).toEqual(["locked"]);
      expect(issues.find((i) => i.path === "locked")?.code).toBe("unreadable_folder");
    } finally {
      execFileSync("chmod", ["755", locked]);
      rmSync(locked, { recursive: true });
    }
  });
});

describe("the worker's read of a share file (finding 3)", () => {
  const limits = { maxBytes: 1_000_000, maxPages: 100, maxExpandedBytes: 10_000_000 };

  test("a file swapped for a link after planning is not read: not the link, not through a linked folder", async () => {
    // What the planner saw: a regular file. What the worker finds: a link to a file outside.
    await expect(parseFile(join(root, "outside-file.txt"), "outside-file.txt", limits)).rejects.toThrow(
      /link/,
    );
    await expect(parseFile(join(root, "outside-dir/secret.txt"), "secret.txt", limits)).rejects.toThrow(
      /link/,
    );
    // A regular file is read as before.
    const { parsed } = await parseFile(join(root, "a/b/deep.txt"), "deep.txt", limits);
    expect(parsed.pages[0]!.text).toContain("deep");
  });

  test("a FIFO swapped in is not opened for reading (no hang)", async () => {
    await expect(parseFile(join(root, "pipe.txt"), "pipe.txt", limits)).rejects.toThrow(/not a regular file/);
  });
});
