// Shares, tenants and the audit trail (issue 12), against the real API and worker processes, Redis,
// LanceDB and real folders, files and links: each test reproduces one hole a review found and
// checks it is closed. Two tenants (legal, acme), editor/reader/admin keys, SOURCE_ROOTS per tenant.
import { spawn } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readAudit } from "../../src/access/audit.js";
import { KeyStore } from "../../src/access/keys.js";
import { emlFile } from "../support/documents.js";
import { keyTableFile } from "../support/keyed.js";
import { contractPdf } from "../support/pdfs.js";
import { startService, type TestService, waitForIndex } from "../support/service.js";

const ROOT_DIR = new URL("../..", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "cited-sec-"));
/** Share folders: legal's, acme's, and legal's litigation-only share. */
const L = join(tmp, "shares", "legal");
const A = join(tmp, "shares", "acme");
const G = join(tmp, "shares", "litigation");
/** A folder on the server that no tenant shares. */
const OUTSIDE = join(tmp, "outside");
for (const d of [L, A, G, OUTSIDE]) mkdirSync(d, { recursive: true });

let service: TestService;
type Key = { token: string; id: string };
const k: Record<string, Key> = {};

const headers = (key: Key | null, extra: Record<string, string> = {}) =>
  key ? { authorization: `Bearer ${key.token}`, ...extra } : extra;

async function call(key: Key | null, path: string, init: RequestInit = {}) {
  const res = await service.request(path, {
    ...init,
    headers: { ...headers(key), ...(init.headers as Record<string, string>) },
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}
const post = (key: Key | null, path: string, body: unknown) =>
  call(key, path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

async function upload(key: Key, files: Record<string, Uint8Array>, fields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [name, bytes] of Object.entries(files))
    form.append("files", new Blob([new Uint8Array(bytes)]), name);
  for (const [f, v] of Object.entries(fields)) form.append(f, v);
  return call(key, "/v1/documents", { method: "POST", body: form });
}

async function waitDocs(key: Key, ids: string[]) {
  const until = Date.now() + 240_000;
  for (;;) {
    const views = await Promise.all(ids.map(async (id) => (await call(key, `/v1/documents/${id}`)).json()));
    if (views.every((v) => v.status === "ready" || v.status === "failed")) return views;
    if (Date.now() > until) throw new Error(`documents not done: ${JSON.stringify(views)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

type Sync = { id: string; state: string; error: string | null; changes: Record<string, number> | null };

/** Start a sync and wait until it has finished; its summary. */
async function sync(key: Key, sourceId: string, body: Record<string, unknown> = {}): Promise<Sync> {
  const started = await post(key, `/v1/sources/${sourceId}/sync`, body);
  expect(started.status).toBe(202);
  const syncId = started.json().sync_id as string;
  const until = Date.now() + 240_000;
  for (;;) {
    const view = (await call(key, `/v1/sources/${sourceId}`)).json() as { last_sync: Sync | null };
    const s = view.last_sync;
    if (s && s.id === syncId && ["done", "failed", "interrupted"].includes(s.state)) return s;
    if (Date.now() > until) throw new Error(`sync ${syncId} not done: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function register(key: Key, body: Record<string, unknown>) {
  const r = await post(key, "/v1/sources", body);
  if (r.status !== 201) throw new Error(`POST /v1/sources ${JSON.stringify(body)}: ${r.status} ${r.text}`);
  return r.json().id as string;
}

async function sourceDocs(key: Key, sourceId: string) {
  return (await call(key, `/v1/documents?source_id=${sourceId}&limit=500`)).json().items as {
    id: string;
    name: string;
    status: string;
    error: string | null;
  }[];
}

/** Whether a search by `key` returns a passage with this word. */
async function found(key: Key, word: string): Promise<boolean> {
  await waitForIndex(service);
  const r = await post(key, "/v1/search", { query: word, top_k: 10 });
  expect(r.status).toBe(200);
  return (r.json().passages as { text: string }[]).some((p) => p.text.includes(word));
}

/**
 * Run the command line with the service's settings (asynchronously: a blocked event loop would leave
 * the test's idle HTTP connections half-closed). Bounded by the CLI's own work: one search or sync.
 */
function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      cwd: ROOT_DIR,
      env: service.env,
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("error", reject);
    p.on("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

const note = (word: string) => `Memo.\n\nThe ${word} matter is filed here and nowhere else.\n`;

beforeAll(async () => {
  service = await startService({
    OPEN_MODE: "false",
    SOURCE_ROOTS: `legal:${L},acme:${A},legal:${G}#litigation`,
    RATE_LIMIT_PER_MINUTE: "0",
    JUDGE_MODEL: "none",
    MAX_ATTACHMENTS: "2",
  });
  const store = new KeyStore(service.dataDir);
  const make = async (
    name: string,
    tenant: string,
    groups: string[],
    role: "reader" | "editor" | "admin",
  ) => {
    const { key, info } = await store.create({ tenant, groups, role });
    k[name] = { token: key, id: info.id };
  };
  await make("legalTeam", "legal", ["team"], "editor");
  await make("legalOps", "legal", ["ops"], "editor");
  await make("legalReader", "legal", ["team"], "reader");
  await make("legalOpsReader", "legal", ["ops"], "reader");
  await make("legalAdmin", "legal", [], "admin");
  await make("acmeOps", "acme", ["ops"], "editor");
  await make("acmeAdmin", "acme", [], "admin");
}, 180_000);

afterAll(async () => {
  await service?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("shares belong to tenants (finding 1) and say nothing about other folders (finding 11)", () => {
  let teamSource: string;
  const secret = "qzlegalteamlease";

  test("another tenant cannot register a tenant's share; an editor cannot re-share it under another group", async () => {
    mkdirSync(join(L, "team", "sub"), { recursive: true });
    writeFileSync(join(L, "team", "lease.txt"), note(secret));
    teamSource = await register(k.legalTeam!, { path: join(L, "team"), groups: ["team"] });
    expect((await sync(k.legalTeam!, teamSource)).state).toBe("done");

    // acme's editor and admin: the folder is not theirs.
    for (const key of [k.acmeOps!, k.acmeAdmin!]) {
      const r = await post(key, "/v1/sources", { path: join(L, "team"), groups: ["ops"] });
      expect({ status: r.status, code: r.json().error }).toMatchObject({ status: 403 });
      expect(r.text).not.toContain(L);
    }
    expect(await found(k.acmeAdmin!, secret)).toBe(false);
    // legal's ops editor: not the same folder through another path, nor a folder around or inside it.
    symlinkSync(join(L, "team"), join(L, "alias"));
    for (const path of [L, join(L, "team", "sub"), join(L, "alias")]) {
      const r = await post(k.legalOps!, "/v1/sources", { path, groups: ["ops"] });
      expect({ path, status: r.status }).toEqual({ path, status: 409 });
      expect(r.text).not.toContain(teamSource);
    }
    unlinkSync(join(L, "alias"));
    expect(await found(k.legalOpsReader!, secret)).toBe(false);
    expect(await found(k.legalReader!, secret)).toBe(true);
  }, 300_000);

  test("editors share only with their own groups; a share of a group is registered only by its members", async () => {
    mkdirSync(join(L, "mine"), { recursive: true });
    const other = await post(k.legalTeam!, "/v1/sources", { path: join(L, "mine"), groups: ["ops"] });
    expect(other.status).toBe(403);
    mkdirSync(join(G, "case-1"), { recursive: true });
    const notMember = await post(k.legalTeam!, "/v1/sources", { path: join(G, "case-1") });
    expect(notMember.status).toBe(403);
    // The tenant's admin may; the documents are the share's group's, not public.
    const r = await post(k.legalAdmin!, "/v1/sources", { path: join(G, "case-1") });
    expect(r.status).toBe(201);
    expect(r.json().groups).toEqual(["litigation"]);
  });

  test("a folder outside the caller's shares gets one 403 whether it exists or not, naming no share folder", async () => {
    const answers = [];
    for (const path of ["/etc", "/no/such/folder/anywhere", A, join(A, "missing"), OUTSIDE]) {
      const r = await post(k.legalTeam!, "/v1/sources", { path });
      answers.push({ status: r.status, body: r.text.replace(path, "PATH") });
      for (const root of [L, A, G]) expect(r.text).not.toContain(root);
    }
    expect(answers[0]!.status).toBe(403);
    for (const a of answers) expect(a).toEqual(answers[0]);
  });
});

describe("a synced file is served only as it was ingested (finding 2), read without following links (finding 4)", () => {
  let sourceId: string;
  let docId: string;
  const folder = join(L, "serve");

  test("a synced file swapped for a link to the keys table, audit.log or another tenant's upload is not served", async () => {
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "lease.txt"), note("qzservedlease"));
    sourceId = await register(k.legalTeam!, { path: folder, groups: ["team"] });
    expect((await sync(k.legalTeam!, sourceId)).state).toBe("done");
    const [doc] = await sourceDocs(k.legalReader!, sourceId);
    docId = doc!.id;
    const ok = await call(k.legalReader!, `/v1/documents/${docId}/file`);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain("qzservedlease");

    const acme = await upload(k.acmeAdmin!, { "acme.txt": new TextEncoder().encode(note("qzacmeupload")) });
    const acmeId = (acme.json().documents as { id: string }[])[0]!.id;
    await waitDocs(k.acmeAdmin!, [acmeId]);
    const targets = [
      keyTableFile(service.dataDir),
      join(service.dataDir, "audit.log"),
      join(service.dataDir, "files", acmeId),
    ];
    for (const target of targets) {
      rmSync(join(folder, "lease.txt"), { force: true });
      symlinkSync(target, join(folder, "lease.txt"));
      const r = await call(k.legalReader!, `/v1/documents/${docId}/file`);
      expect({ target, status: r.status }).toEqual({ target, status: 409 });
      for (const secret of ["qzacmeupload", '"hash"', "prev_hash", k.acmeAdmin!.id])
        expect(r.text).not.toContain(secret);
    }
    // A regular file with other bytes than were ingested is not served either.
    rmSync(join(folder, "lease.txt"));
    writeFileSync(join(folder, "lease.txt"), note("qzchangedlater"));
    const changed = await call(k.legalReader!, `/v1/documents/${docId}/file`);
    expect(changed.status).toBe(409);
    expect(changed.text).not.toContain("qzchangedlater");
  }, 300_000);

  test("a synced folder swapped for a link to a folder outside the share is refused at the next sync", async () => {
    writeFileSync(join(OUTSIDE, "private.txt"), note("qzoutsidefolder"));
    renameSync(folder, `${folder}.orig`);
    symlinkSync(OUTSIDE, folder);
    const s = await sync(k.legalTeam!, sourceId);
    expect(s.state).toBe("failed");
    expect(s.error).toMatch(/resolves to another folder/);
    expect(await found(k.legalReader!, "qzoutsidefolder")).toBe(false);
    // Its documents are kept as they were.
    expect((await sourceDocs(k.legalReader!, sourceId)).map((d) => d.id)).toEqual([docId]);
  }, 300_000);

  test("every document read is audited: views, pages, chunks, file; refusals too", async () => {
    const before = readAudit(join(service.dataDir, "audit.log"), new Date(0)).length;
    const acmeDoc = await upload(k.acmeAdmin!, { "a2.txt": new TextEncoder().encode(note("qzaudited")) });
    const id = (acmeDoc.json().documents as { id: string }[])[0]!.id;
    await waitDocs(k.acmeAdmin!, [id]);
    for (const suffix of ["", "/pages/1", "/chunks", "/file"])
      expect((await call(k.acmeAdmin!, `/v1/documents/${id}${suffix}`)).status).toBe(200);
    expect((await call(k.legalAdmin!, `/v1/documents/${id}`)).status).toBe(404);
    expect((await call(null, `/v1/documents/${id}/file`)).status).toBe(401);
    expect((await call(k.legalReader!, `/v1/documents/${id}`, { method: "DELETE" })).status).toBe(403);
    const records = readAudit(join(service.dataDir, "audit.log"), new Date(0)).slice(before);
    const mine = (key: Key) => records.filter((r) => r.key_id === key.id && r.document_id === id);
    expect(mine(k.acmeAdmin!).map((r) => r.event)).toEqual(
      expect.arrayContaining(["documents.view", "documents.page", "documents.chunks", "documents.file"]),
    );
    expect(mine(k.legalAdmin!).map((r) => [r.event, r.status])).toEqual([["documents.refused", 404]]);
    expect(mine(k.legalReader!).map((r) => [r.event, r.status])).toEqual([["documents.refused", 403]]);
    expect(
      records.filter((r) => r.event === "documents.refused" && r.status === 401 && r.document_id === id),
    ).toHaveLength(1);
  }, 300_000);
});

describe("syncs", () => {
  test("an emptied (unmounted) share deletes nothing unless asked to (finding 7)", async () => {
    const folder = join(L, "mass");
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < 6; i++) writeFileSync(join(folder, `n${i}.txt`), note(`qzmass${"abcdef"[i]}`));
    const id = await register(k.legalTeam!, { path: folder, groups: ["team"] });
    expect((await sync(k.legalTeam!, id)).state).toBe("done");
    for (const f of readdirSync(folder)) rmSync(join(folder, f));
    const refused = await sync(k.legalTeam!, id);
    expect(refused.state).toBe("failed");
    expect(refused.error).toMatch(/allow_mass_delete/);
    expect(await sourceDocs(k.legalReader!, id)).toHaveLength(6);
    expect(await found(k.legalReader!, "qzmassa")).toBe(true);
    const forced = await sync(k.legalTeam!, id, { allow_mass_delete: true });
    expect(forced.state).toBe("done");
    expect(forced.changes?.deleted).toBe(6);
    expect(await sourceDocs(k.legalReader!, id)).toHaveLength(0);
  }, 300_000);

  test("a changed file that fails takes its older text out of search, and says so (finding 8)", async () => {
    const folder = join(L, "redact");
    mkdirSync(folder, { recursive: true });
    const pdf = await contractPdf({
      title: "LEASE",
      pages: [{ paragraphs: ["The qzunredacted clause names the tenant's bank account."] }],
    });
    writeFileSync(join(folder, "lease.pdf"), pdf);
    const id = await register(k.legalTeam!, { path: folder, groups: ["team"] });
    expect((await sync(k.legalTeam!, id)).state).toBe("done");
    expect(await found(k.legalReader!, "qzunredacted")).toBe(true);
    // The "redacted" copy is damaged: it starts like a PDF and then is not one.
    writeFileSync(join(folder, "lease.pdf"), Buffer.concat([pdf.subarray(0, 400), Buffer.alloc(300, 7)]));
    expect((await sync(k.legalTeam!, id)).state).toBe("done");
    const [doc] = await sourceDocs(k.legalReader!, id);
    expect(doc!.status).toBe("failed");
    expect(doc!.error).toMatch(/earlier version.*removed from search/);
    expect(await found(k.legalReader!, "qzunredacted")).toBe(false);
  }, 300_000);

  test("a synced document deleted through the API answers 409 instead of coming back silently (finding 14)", async () => {
    const folder = join(L, "keep");
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "k.txt"), note("qzkeepme"));
    const id = await register(k.legalTeam!, { path: folder, groups: ["team"] });
    expect((await sync(k.legalTeam!, id)).state).toBe("done");
    const [doc] = await sourceDocs(k.legalTeam!, id);
    const r = await call(k.legalTeam!, `/v1/documents/${doc!.id}`, { method: "DELETE" });
    expect(r.status).toBe(409);
    expect(r.text).toMatch(/exclude/);
  }, 300_000);

  test("`cited sync --tenant --groups` files the documents under that tenant and those groups (finding 15)", async () => {
    const folder = join(tmp, "cli-share");
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "cli.txt"), note("qzclisynced"));
    const run = await cli("sync", folder, "--tenant", "legal", "--groups", "team", "--no-wait");
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    const listed = (await call(k.legalReader!, "/v1/sources")).json().items as {
      id: string;
      path: string;
      groups: string[];
    }[];
    const source = listed.find((s) => s.path === folder);
    expect(source?.groups).toEqual(["team"]);
    expect(((await call(k.acmeAdmin!, "/v1/sources")).json().items as unknown[]).length).toBe(0);
    expect((await call(k.legalOpsReader!, `/v1/sources/${source!.id}`)).status).toBe(404);
  }, 300_000);
});

describe("uploads", () => {
  test("a duplicate of a document the uploader cannot read is stored as its own, revealing nothing (finding 5)", async () => {
    const bytes = new TextEncoder().encode(note("qzsamebytes"));
    const first = await upload(k.legalTeam!, { "a.txt": bytes }, { groups: "team" });
    const firstId = (first.json().documents as { id: string }[])[0]!.id;
    await waitDocs(k.legalTeam!, [firstId]);
    const second = await upload(k.legalOps!, { "b.txt": bytes }, { groups: "ops" });
    expect(second.status).toBe(202);
    expect(second.text).not.toContain(firstId);
    const doc = (second.json().documents as { id: string; duplicate_of: string | null }[])[0]!;
    expect(doc.duplicate_of).toBeNull();
    const [view] = await waitDocs(k.legalOps!, [doc.id]);
    expect(view!.status).toBe("ready");
    expect(await found(k.legalOpsReader!, "qzsamebytes")).toBe(true);
  }, 300_000);

  test("an e-mail becomes at most MAX_ATTACHMENTS documents; deleting it deletes them (finding 14)", async () => {
    const attachments = ["one", "two", "three", "four"].map((n) => ({
      name: `${n}.txt`,
      type: "text/plain",
      bytes: new TextEncoder().encode(note(`qzattach${n}`)),
    }));
    const eml = emlFile({
      from: "a@example.com",
      to: "b@example.com",
      subject: "Four files",
      date: "Mon, 03 Mar 2025 09:00:00 +0000",
      messageId: "<four@example.com>",
      text: "Four files attached, qzmessagebody.",
      attachments,
    });
    const res = await upload(k.legalTeam!, { "four.eml": eml }, { groups: "team" });
    const id = (res.json().documents as { id: string }[])[0]!.id;
    const [message] = await waitDocs(k.legalTeam!, [id]);
    expect(message!.status).toBe("ready");
    const all = (await call(k.legalTeam!, "/v1/documents?limit=500")).json().items as {
      id: string;
      parent_id: string | null;
    }[];
    const children = all.filter((d) => d.parent_id === id).map((d) => d.id);
    expect(children).toHaveLength(2);
    await waitDocs(k.legalTeam!, children);
    expect(await found(k.legalReader!, "qzattachone")).toBe(true);
    expect((await call(k.legalTeam!, `/v1/documents/${id}`, { method: "DELETE" })).status).toBe(204);
    for (const child of children)
      expect((await call(k.legalTeam!, `/v1/documents/${child}`)).status).toBe(404);
    expect(await found(k.legalReader!, "qzattachone")).toBe(false);
  }, 300_000);
});

describe("the audit trail (finding 6)", () => {
  test("`cited search` is audited; `cited audit verify` finds lines cut off the end with the head file rewritten", async () => {
    const search = await cli("search", "qzclisearchword", "--top-k", "2");
    expect(search.status).toBe(0);
    const path = join(service.dataDir, "audit.log");
    const records = readAudit(path, new Date(0));
    expect(records.at(-1)).toMatchObject({ event: "search", key_id: "cli", question: "qzclisearchword" });
    expect((await cli("audit", "verify")).status).toBe(0);
    // Cut the last two lines and make the head file point at the new last line.
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    const kept = lines.slice(0, -2);
    const last = JSON.parse(kept.at(-1)!) as { seq: number; hash: string };
    writeFileSync(path, `${kept.join("\n")}\n`);
    writeFileSync(`${path}.head`, `${JSON.stringify({ seq: last.seq, hash: last.hash })}\n`);
    const verify = await cli("audit", "verify");
    expect(verify.status).toBe(1);
    expect(verify.stderr).toMatch(/NOT intact/);
  }, 300_000);
});
