// Syncing a document share end to end: the real API and worker processes, Redis, LanceDB, the
// embedding model, and a tree of more than 300 files generated here (PDF, DOCX, HTML, e-mail, text,
// Markdown) with hostile entries. The index must equal the expected set exactly after first sync,
// after adds/edits/renames/deletes, after a worker and API killed mid-sync, and after Redis lost
// every job mid-sync.
import { execFile, execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { docxFile, emlFile } from "../support/documents.js";
import { contractPdf } from "../support/pdfs.js";
import { postJson, startService, type TestService, waitForIndex } from "../support/service.js";
import {
  chunksOf,
  createSource,
  type PrivateRedis,
  type SourceDoc,
  type SyncView,
  sourceDocuments,
  startPrivateRedis,
  startSync,
  syncAndWait,
  waitForSync,
} from "../support/sources.js";

const MAX_BYTES = 1_000_000;
const SETTINGS = { UPLOAD_MAX_BYTES: String(MAX_BYTES), RATE_LIMIT_PER_MINUTE: "0" };
const ROOT_DIR = new URL("../..", import.meta.url).pathname;

// ---------------------------------------------------------------------------------------------
// The generated tree

/** A marker word unique to one version of one file: qz + 4 letters. */
function marker(n: number): string {
  let s = "";
  for (let i = 0, v = n; i < 4; i++, v = Math.floor(v / 26)) s = String.fromCharCode(97 + (v % 26)) + s;
  return `qz${s}`;
}

const KINDS = ["pdf", "docx", "html", "eml", "txt", "md"] as const;
type Kind = (typeof KINDS)[number];

/** The bytes of file `i` of a kind, carrying marker `m`. Small, so embedding is quick. */
async function fileBytes(kind: Kind, i: number, m: string): Promise<Uint8Array> {
  const sentence = `Record ${i} concerns the ${m} matter, filed with the registry of deeds in the ordinary course.`;
  switch (kind) {
    case "pdf":
      return contractPdf({
        title: `AGREEMENT ${i}`,
        pages: [{ paragraphs: [sentence, `1. TERM. This agreement ${i} runs for ${i + 1} months.`] }],
      });
    case "docx":
      return docxFile([{ text: `Memo ${i}`, style: "Title" }, { text: sentence }]);
    case "html":
      return new TextEncoder().encode(
        `<!doctype html><html><head><title>Page ${i}</title></head><body><h1>Page ${i}</h1><p>${sentence}</p></body></html>`,
      );
    case "eml":
      return emlFile({
        from: "clerk@example.com",
        to: "legal@example.com",
        subject: `Note ${i}`,
        date: "Mon, 03 Mar 2025 09:00:00 +0000",
        messageId: `<note-${i}@example.com>`,
        text: `Hello,\r\n${sentence}\r\nRegards`,
      });
    case "txt":
      return new TextEncoder().encode(`Plain note ${i}.\n${sentence}\n`);
    case "md":
      return new TextEncoder().encode(`# Heading ${i}\n\n${sentence}\n`);
  }
}

/** What one path of the tree holds, as the test expects it indexed. */
interface Entry {
  kind: Kind;
  i: number;
  marker: string;
}

/** 306 regular files in nested folders: 50 of each kind, plus odd names. */
function baseLayout(): Map<string, Entry> {
  const layout = new Map<string, Entry>();
  let n = 0;
  for (const kind of KINDS) {
    for (let i = 0; i < 50; i++) {
      const dir = `${kind}/group-${i % 5}${i % 2 ? "/sub" : ""}`;
      layout.set(`${dir}/${kind}-${i}.${kind}`, { kind, i: n, marker: marker(n) });
      n++;
    }
  }
  for (const name of [
    "with space.txt",
    'quote\'s "dq".md',
    "ünïcødé ☃ fïlé.txt",
    "new\nline.txt",
    "#hash & amp;.txt",
    "-dash.md",
  ]) {
    const kind: Kind = name.endsWith(".md") ? "md" : "txt";
    layout.set(`odd names/${name}`, { kind, i: n, marker: marker(n) });
    n++;
  }
  return layout;
}

async function writeEntry(root: string, path: string, e: Entry): Promise<void> {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), await fileBytes(e.kind, e.i, e.marker));
}

async function writeTree(root: string, layout: Map<string, Entry>): Promise<void> {
  for (const [path, e] of layout) await writeEntry(root, path, e);
}

/** Hostile entries: each must end as a per-file result with this status and code. */
const HOSTILE: Record<string, { status: "skipped" | "failed"; code: string; document?: boolean }> = {
  "hostile/loop": { status: "skipped", code: "link" },
  "hostile/up": { status: "skipped", code: "link" },
  "hostile/etc": { status: "failed", code: "link_outside_root" },
  "hostile/passwd.txt": { status: "failed", code: "link_outside_root" },
  "hostile/dangling.txt": { status: "failed", code: "broken_link" },
  "hostile/pipe.txt": { status: "failed", code: "not_a_file" },
  "hostile/socket.txt": { status: "failed", code: "not_a_file" },
  "hostile/big.txt": { status: "failed", code: "too_large" },
  "hostile/photo.gif": { status: "skipped", code: "unsupported_type" },
  "hostile/empty.txt": { status: "failed", code: "empty_file", document: true },
  "hostile/notes.pdf": { status: "failed", code: "type_mismatch", document: true },
  "hostile/locked.pdf": { status: "failed", code: "pdf_encrypted", document: true },
};

async function writeHostile(root: string): Promise<Server> {
  const h = join(root, "hostile");
  mkdirSync(h, { recursive: true });
  symlinkSync(root, join(h, "loop"));
  symlinkSync("..", join(h, "up"));
  symlinkSync("/etc", join(h, "etc"));
  symlinkSync("/etc/passwd", join(h, "passwd.txt"));
  symlinkSync(join(h, "nowhere.txt"), join(h, "dangling.txt"));
  execFileSync("mkfifo", [join(h, "pipe.txt")]);
  writeFileSync(join(h, "big.txt"), "large ".repeat(MAX_BYTES / 5));
  writeFileSync(
    // GIF is not read (PNG, JPEG and TIFF scans are).
    join(h, "photo.gif"),
    Buffer.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0]),
  );
  writeFileSync(join(h, "empty.txt"), "");
  writeFileSync(join(h, "notes.pdf"), "These are meeting notes, not a PDF.");
  writeFileSync(
    join(h, "locked.pdf"),
    await contractPdf({ title: "SECRET", pages: [{ paragraphs: ["Sealed terms."] }], userPassword: "pw" }),
  );
  const socket = createServer();
  await new Promise<void>((r) => socket.listen(join(h, "socket.txt"), () => r()));
  return socket;
}

// ---------------------------------------------------------------------------------------------
// Checks

/** Search for a word; whether any passage contains it. */
async function found(service: TestService, word: string): Promise<boolean> {
  const res = await postJson(service, "/v1/search", { query: word, top_k: 20 });
  expect(res.status).toBe(200);
  const { passages } = (await res.json()) as { passages: { text: string }[] };
  return passages.some((p) => p.text.includes(word));
}

/**
 * The index of a source is exactly the expected set: one ready document per expected path, each
 * with as many stored chunks as it says (no duplicates, ordinals 0..n-1) and, when known, as many as
 * a reference run gave for the same content; the failed documents are the expected ones.
 */
async function expectExactIndex(
  service: TestService,
  sourceId: string,
  expected: ReadonlySet<string>,
  failedDocs: ReadonlySet<string>,
  reference?: ReadonlyMap<string, number>,
): Promise<Map<string, SourceDoc>> {
  const docs = await sourceDocuments(service, sourceId);
  const byPath = new Map<string, SourceDoc>();
  for (const d of docs) {
    expect(byPath.has(d.source_path!)).toBe(false);
    byPath.set(d.source_path!, d);
  }
  expect([...byPath.keys()].sort()).toEqual([...expected, ...failedDocs].sort());
  for (const path of failedDocs) expect(byPath.get(path)!.status).toBe("failed");
  for (const path of expected) {
    const doc = byPath.get(path)!;
    expect({ path, status: doc.status }).toEqual({ path, status: "ready" });
    const chunks = await chunksOf(service, doc.id);
    expect(chunks.length).toBe(doc.chunks);
    expect(chunks.map((c) => c.ordinal)).toEqual(chunks.map((_, i) => i));
    expect(new Set(chunks.map((c) => c.chunk_id)).size).toBe(chunks.length);
    if (reference?.has(path))
      expect({ path, chunks: chunks.length }).toEqual({ path, chunks: reference.get(path) });
  }
  // Nothing else in the chunks table for these documents, nothing for others of the source.
  const lancedb = await import("@lancedb/lancedb");
  const db = await lancedb.connect(join(service.dataDir, "lancedb"), { readConsistencyInterval: 0 });
  const table = await db.openTable("chunks");
  try {
    const ids = docs.map((d) => `'${d.id}'`).join(", ");
    const stored = await table.countRows(`document_id IN (${ids})`);
    expect(stored).toBe(docs.reduce((n, d) => n + (d.chunks ?? 0), 0));
  } finally {
    table.close();
    db.close();
  }
  return byPath;
}

function expectSettled(sync: SyncView): void {
  expect(sync.state).toBe("done");
  expect(sync.counts.queued).toBe(0);
  expect(sync.counts.done + sync.counts.skipped + sync.counts.failed).toBe(sync.counts.discovered);
}

/** A sync after which every one of `files` was found unchanged and nothing was queued again. */
function expectNothingChanged(sync: SyncView, files: number): void {
  expect(sync.changes).toMatchObject({ new: 0, changed: 0, deleted: 0, unchanged: files, requeued: 0 });
}

/**
 * Run the command line against the test service without blocking this process (a blocked event loop
 * lets the API's idle keep-alive sockets close under the next request).
 */
function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", ...args],
      { cwd: ROOT_DIR, env: { ...service.env, NODE_OPTIONS: "" }, encoding: "utf8", timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        resolve({ status: error ? (typeof code === "number" ? code : null) : 0, stdout, stderr });
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------

let service: TestService;
const roots: string[] = [];
const sockets: Server[] = [];
/** Chunks per path after the first clean sync: the reference for the crash tests. */
const referenceChunks = new Map<string, number>();

beforeAll(async () => {
  service = await startService(SETTINGS);
}, 180_000);

afterAll(async () => {
  for (const s of sockets) await new Promise((r) => s.close(r));
  await service?.stop();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function newRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "cited-share-"));
  roots.push(root);
  return root;
}

describe("syncing a document share", () => {
  const layout = baseLayout();
  let root: string;
  let sourceId: string;
  let before: Map<string, SourceDoc>;
  const failedDocs = new Set(
    Object.entries(HOSTILE)
      .filter(([, h]) => h.document)
      .map(([p]) => p),
  );

  test("registering checks the folder: absolute, existing, a folder, not Cited's data; bad patterns refused", async () => {
    root = newRoot();
    const bad = async (body: Record<string, unknown>, status: number, message: RegExp) => {
      const res = await postJson(service, "/v1/sources", body);
      const json = (await res.json()) as { error: { message: string } };
      expect({ status: res.status, message: json.error.message }).toEqual({
        status,
        message: expect.stringMatching(message),
      });
    };
    await bad({ path: "relative/folder" }, 400, /must be absolute/);
    await bad({ path: join(root, "missing") }, 400, /does not exist/);
    writeFileSync(join(root, "file.txt"), "x");
    await bad({ path: join(root, "file.txt") }, 400, /not a folder/);
    unlinkSync(join(root, "file.txt"));
    await bad({ path: service.dataDir }, 400, /data folder/);
    await bad({ path: root, include: ["../up"] }, 400, /invalid pattern/);
    await bad({ path: root, extra: 1 }, 400, /unknown field "extra"/);
    expect((await service.request("/v1/sources/src_nope")).status).toBe(404);
  });

  test(`a first sync of ${layout.size} files and hostile entries indexes exactly the readable files`, async () => {
    await writeTree(root, layout);
    sockets.push(await writeHostile(root));
    const source = await createSource(service, { path: root, tags: ["share"] });
    expect(source.last_sync).toBeNull();
    sourceId = source.id;
    const again = await postJson(service, "/v1/sources", { path: `${root}/` });
    expect(again.status).toBe(409);

    const sync = await syncAndWait(service, sourceId);
    expectSettled(sync);
    expect(sync.counts.discovered).toBe(layout.size + Object.keys(HOSTILE).length);
    expect(sync.changes).toMatchObject({ new: layout.size + failedDocs.size, deleted: 0, renamed: 0 });
    before = await expectExactIndex(service, sourceId, new Set(layout.keys()), failedDocs);
    for (const [path, doc] of before) if (doc.status === "ready") referenceChunks.set(path, doc.chunks!);
    expect(before.get("pdf/group-0/pdf-0.pdf")!.type).toBe("pdf");
    expect(before.get("eml/group-1/sub/eml-1.eml")!.type).toBe("eml");
    expect(before.get("docx/group-2/docx-2.docx")!.type).toBe("docx");
  }, 900_000);

  test("each hostile entry has its per-file result in the coverage report; pages are counted by how they were read", async () => {
    const res = await service.request(`/v1/sources/${sourceId}/report`);
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      totals: Record<string, number>;
      files: {
        path: string;
        status: string;
        error_code: string | null;
        error: string | null;
        pages: unknown[];
      }[];
      failures: { path: string; code: string | null; reason: string }[];
      unsearchable: unknown[];
    };
    const byPath = new Map(report.files.map((f) => [f.path, f]));
    for (const [path, h] of Object.entries(HOSTILE)) {
      expect({ path, status: byPath.get(path)?.status, code: byPath.get(path)?.error_code }).toEqual({
        path,
        status: h.status,
        code: h.code,
      });
      expect(byPath.get(path)!.error).toBeTruthy();
      if (h.status === "failed") expect(report.failures.map((f) => f.path)).toContain(path);
    }
    expect(report.totals).toMatchObject({
      files: layout.size + Object.keys(HOSTILE).length,
      files_ready: layout.size,
      files_pending: 0,
      files_failed: Object.values(HOSTILE).filter((h) => h.status === "failed").length,
      files_skipped: Object.values(HOSTILE).filter((h) => h.status === "skipped").length,
      pages_ocr: 0,
      pages_failed: 0,
    });
    expect(report.totals.pages_text_layer).toBe(report.totals.pages);
    expect(report.totals.pages).toBeGreaterThanOrEqual(layout.size);
    expect(report.unsearchable).toEqual([]);
    expect(byPath.get("odd names/new\nline.txt")!.pages).toHaveLength(1);
  });

  test("after adding, editing, renaming, moving, touching and deleting files, a sync makes the index exactly the tree", async () => {
    const paths = [...layout.keys()];
    const pick = (from: number) => paths.filter((_, i) => i % 30 === from);
    const edited = pick(1).slice(0, 10);
    const renamed = pick(2).slice(0, 10);
    const deleted = pick(3).slice(0, 10);
    const touched = pick(4).slice(0, 5);
    const oldMarkers = new Map(edited.map((p) => [p, layout.get(p)!.marker]));
    const deletedMarkers = deleted.map((p) => layout.get(p)!.marker);
    let n = 5000;
    for (const path of edited) {
      const e = { ...layout.get(path)!, marker: marker(n++) };
      layout.set(path, e);
      await writeEntry(root, path, e);
    }
    const moves = new Map<string, string>();
    renamed.forEach((path, k) => {
      const to =
        k % 2
          ? path.replace(/\/([^/]+)$/, "/renamed-$1")
          : `moved/${k}/${path.slice(path.lastIndexOf("/") + 1)}`;
      mkdirSync(dirname(join(root, to)), { recursive: true });
      renameSync(join(root, path), join(root, to));
      layout.set(to, layout.get(path)!);
      layout.delete(path);
      moves.set(path, to);
    });
    for (const path of deleted) {
      rmSync(join(root, path));
      layout.delete(path);
    }
    const later = new Date(Date.now() + 60_000);
    for (const path of touched) utimesSync(join(root, path), later, later);
    const added: string[] = [];
    for (let k = 0; k < 10; k++) {
      const kind = KINDS[k % KINDS.length]!;
      const path = k < 5 ? `added/new-${k}.${kind}` : `${kind}/group-0/new-${k}.${kind}`;
      const e = { kind, i: n, marker: marker(n++) };
      layout.set(path, e);
      await writeEntry(root, path, e);
      added.push(path);
    }
    // The pipe goes; a link that pointed nowhere now has a target.
    unlinkSync(join(root, "hostile/pipe.txt"));
    writeFileSync(join(root, "hostile/nowhere.txt"), "Now the dangling link has a target.");
    layout.set("hostile/nowhere.txt", { kind: "txt", i: n, marker: marker(n++) });
    await writeEntry(root, "hostile/nowhere.txt", layout.get("hostile/nowhere.txt")!);

    const sync = await syncAndWait(service, sourceId);
    expectSettled(sync);
    expect(sync.changes).toMatchObject({
      new: added.length + 1,
      changed: edited.length,
      renamed: renamed.length,
      deleted: deleted.length,
      requeued: 0,
    });
    const after = await expectExactIndex(
      service,
      sourceId,
      new Set(layout.keys()),
      failedDocs,
      referenceChunks,
    );

    // Renamed and moved files keep their document and were not read again; touched ones neither.
    for (const [from, to] of moves) {
      expect({ to, id: after.get(to)!.id, job: after.get(to)!.job_id }).toEqual({
        to,
        id: before.get(from)!.id,
        job: before.get(from)!.job_id,
      });
      expect(after.get(to)!.name).toBe(to.slice(to.lastIndexOf("/") + 1));
    }
    for (const path of touched) expect(after.get(path)!.job_id).toBe(before.get(path)!.job_id);
    for (const path of edited) expect(after.get(path)!.id).toBe(before.get(path)!.id);
    for (const path of edited) expect(after.get(path)!.job_id).not.toBe(before.get(path)!.job_id);

    // Search finds what the tree holds and nothing it no longer holds.
    await waitForIndex(service);
    for (const path of [...edited, ...added, ...moves.values()])
      expect({ path, found: await found(service, layout.get(path)!.marker) }).toEqual({ path, found: true });
    for (const [path, m] of oldMarkers)
      expect({ path, found: await found(service, m) }).toEqual({ path, found: false });
    for (const m of deletedMarkers)
      expect({ m, found: await found(service, m) }).toEqual({ m, found: false });
    for (const path of paths.filter((_, i) => i % 37 === 5 && layout.has(paths[i]!)))
      expect({ path, found: await found(service, layout.get(path)!.marker) }).toEqual({ path, found: true });
    before = after;
  }, 900_000);

  test("a sync with nothing changed reads no file and queues nothing (the command line, with its progress bar)", async () => {
    const cli = await runCli(["sync", root]);
    expect({ status: cli.status, stderr: cli.stderr.slice(-2000) }).toMatchObject({ status: 0 });
    expect(cli.stdout).toMatch(/sync sync_\w+ done: \d+ found, 0 indexed, \d+ skipped, \d+ failed/);
    expect(cli.stderr).toMatch(/sync: \d+\/\d+ \(100%\)/);
    const source = (await (await service.request(`/v1/sources/${sourceId}`)).json()) as {
      last_sync: SyncView;
    };
    const sync = source.last_sync;
    expectSettled(sync);
    expect(sync.changes).toEqual({
      new: 0,
      changed: 0,
      renamed: 0,
      deleted: 0,
      unchanged: layout.size + failedDocs.size,
      requeued: 0,
    });
    expect(sync.counts.done).toBe(0);
    await expectExactIndex(service, sourceId, new Set(layout.keys()), failedDocs);

    const report = await runCli(["report", "--source", sourceId]);
    expect(report.status).toBe(0);
    expect(report.stdout).toMatch(/"hostile\/etc": a link to a place outside the synced folder/);
    expect(report.stdout).toMatch(/pages: \d+ \(\d+ text layer, 0 OCR, 0 not searchable\)/);
  }, 300_000);
});

/** Files for the crash tests: the same contents at the same paths as the first tree (so the reference chunk counts apply). */
function crashLayout(count: number): Map<string, Entry> {
  const base = [...baseLayout()].filter(([p]) => p.startsWith("pdf/") || p.startsWith("docx/"));
  return new Map(base.slice(0, count));
}

async function checkEndState(svc: TestService, id: string, layout: Map<string, Entry>): Promise<void> {
  await expectExactIndex(svc, id, new Set(layout.keys()), new Set(), referenceChunks);
}

describe("crash safety", () => {
  test("worker and API killed (SIGKILL) in the middle of a sync: after a restart and another sync, exactly the expected index", async () => {
    const layout = crashLayout(80);
    const root = newRoot();
    await writeTree(root, layout);
    const source = await createSource(service, { path: root });
    const first = await startSync(service, source.id);
    // Mid-sync: some files indexed, many still queued.
    const mid = await waitForSync(
      service,
      source.id,
      first.sync_id,
      300_000,
      (s) => s.counts.done >= 5 || s.state === "done",
    );
    expect(mid.state).toBe("running");
    expect(mid.counts.queued).toBeGreaterThan(10);
    await service.killWorker("SIGKILL");
    await service.killApi("SIGKILL");
    await service.startApi();
    await service.startWorker();

    // The interrupted sync is still the running one and completes; a new sync then changes nothing.
    const again = await startSync(service, source.id);
    expect(again).toEqual({ sync_id: first.sync_id, started: false });
    const finished = await waitForSync(service, source.id, first.sync_id);
    expectSettled(finished);
    expect(finished.counts.done).toBe(layout.size);
    const next = await syncAndWait(service, source.id);
    expectSettled(next);
    expectNothingChanged(next, layout.size);
    await checkEndState(service, source.id, layout);
  }, 900_000);

  test("the worker killed just after a sync starts (while it plans): the planning runs again, nothing is recorded twice", async () => {
    const layout = crashLayout(40);
    const root = newRoot();
    await writeTree(root, layout);
    const source = await createSource(service, { path: root });
    const first = await startSync(service, source.id);
    await service.killWorker("SIGKILL");
    await service.startWorker();
    const finished = await waitForSync(service, source.id, first.sync_id);
    expectSettled(finished);
    const next = await syncAndWait(service, source.id);
    expectNothingChanged(next, layout.size);
    await checkEndState(service, source.id, layout);
  }, 900_000);
});

describe("crash safety: Redis restarted mid-sync (every job lost)", () => {
  let redis: PrivateRedis;
  let own: TestService;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    own = await startService({ ...SETTINGS, REDIS_URL: redis.url });
  }, 180_000);

  afterAll(async () => {
    await own?.stop();
    await redis?.kill();
  });

  test("the lost sync shows as interrupted; the next sync queues what was left and the index is exact", async () => {
    const layout = crashLayout(60);
    const root = newRoot();
    await writeTree(root, layout);
    const source = await createSource(own, { path: root });
    const first = await startSync(own, source.id);
    await waitForSync(
      own,
      source.id,
      first.sync_id,
      300_000,
      (s) => s.counts.done >= 5 || s.state === "done",
    );
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();

    const lost = await waitForSync(own, source.id, first.sync_id, 60_000, (s) => s.state !== "running");
    expect(lost.state).toBe("interrupted");
    // A new sync (the old one's claim went with Redis) picks up what the lost one left.
    const second = await startSync(own, source.id);
    expect(second.started).toBe(true);
    const done = await waitForSync(own, source.id, second.sync_id);
    expectSettled(done);
    // What the lost sync had recorded but not finished was queued again; nothing was recorded twice.
    expect(done.changes!.requeued).toBeGreaterThan(0);
    expect(done.changes!.new + done.changes!.requeued + done.changes!.unchanged).toBe(layout.size);
    const third = await syncAndWait(own, source.id);
    expectNothingChanged(third, layout.size);
    await checkEndState(own, source.id, layout);
  }, 900_000);
});
