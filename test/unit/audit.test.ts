// The audit trail's hash chain: any edited, removed, reordered or forged line is found, and appends
// from several processes at once still make one valid chain.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AuditLog,
  canonicalJson,
  GENESIS_HASH,
  lineHash,
  parseSince,
  readAudit,
  verifyAuditFile,
  verifyAuditText,
} from "../../src/access/audit.js";
import { runModule } from "../support/child.js";

const ROOT = new URL("../..", import.meta.url).pathname;
/** The HMAC key of the tests' logs (AUDIT_KEY in a real installation); never stored beside the log. */
const KEY = Buffer.from("a test key of the audit trail, 32+ characters long");
let dir: string;
let path: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "cited-audit-"));
  path = join(dir, "audit.log");
  const log = new AuditLog(path, KEY);
  for (let i = 0; i < 6; i++) {
    await log.append({
      event: "ask",
      key_id: `k${i}`,
      tenant: "acme",
      route: "POST /v1/ask",
      question: `question ${i} with "quotes" and ünïcode`,
      retrieved: [`c${i}`, `c${i + 1}`],
      cited: [`c${i}`],
      abstained: i % 2 === 0,
      latency_ms: 12.5 + i,
    });
  }
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lines = () => readFileSync(path, "utf8").trimEnd().split("\n");
const write = (ls: string[]) => writeFileSync(path, `${ls.join("\n")}\n`);

describe("audit trail", () => {
  test("an untouched log verifies, each line chained to the one before", () => {
    const result = verifyAuditFile(path, KEY);
    expect(result).toMatchObject({ ok: true, lines: 6 });
    const records = lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records[0]!.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < records.length; i++) expect(records[i]!.prev_hash).toBe(records[i - 1]!.hash);
    expect(result.head).toBe(records.at(-1)!.hash);
    expect(records[0]).toMatchObject({ seq: 1, event: "ask", key_id: "k0", tenant: "acme", cited: ["c0"] });
  });

  test("an edited line is named", () => {
    const ls = lines();
    ls[2] = ls[2]!.replace("question 2", "question 9");
    write(ls);
    expect(verifyAuditFile(path, KEY)).toMatchObject({ ok: false, firstBad: { line: 3 } });
  });

  test("an edited line whose hash was recomputed breaks the link to the next line", () => {
    const ls = lines();
    const record = JSON.parse(ls[2]!) as Parameters<typeof lineHash>[0];
    record.tenant = "other";
    record.hash = lineHash(record, KEY);
    ls[2] = canonicalJson(record);
    write(ls);
    const result = verifyAuditFile(path, KEY);
    expect(result.ok).toBe(false);
    expect(result.firstBad!.line).toBe(4);
    expect(result.firstBad!.reason).toMatch(/does not follow/);
  });

  test("a removed line is found, in the middle and at the end", () => {
    const ls = lines();
    write([...ls.slice(0, 3), ...ls.slice(4)]);
    expect(verifyAuditFile(path, KEY)).toMatchObject({ ok: false, firstBad: { line: 4 } });
    write(ls.slice(0, 5));
    const end = verifyAuditFile(path, KEY);
    expect(end).toMatchObject({ ok: false, firstBad: { line: 6 } });
    expect(end.firstBad!.reason).toMatch(/removed from the end/);
  });

  test("reordered lines are found", () => {
    const ls = lines();
    [ls[1], ls[2]] = [ls[2]!, ls[1]!];
    write(ls);
    expect(verifyAuditFile(path, KEY)).toMatchObject({ ok: false, firstBad: { line: 2 } });
  });

  test("a line appended by hand is found; appends through the log keep it valid", async () => {
    const forged = {
      ...(JSON.parse(lines().at(-1)!) as Record<string, unknown>),
      seq: 7,
      question: "forged",
    };
    writeFileSync(path, `${readFileSync(path, "utf8")}${canonicalJson(forged)}\n`);
    expect(verifyAuditFile(path, KEY)).toMatchObject({ ok: false, firstBad: { line: 7 } });

    write(lines().slice(0, 6));
    await new AuditLog(path, KEY).append({
      event: "keys.revoke",
      key_id: "cli",
      tenant: "acme",
      route: "cli",
    });
    expect(verifyAuditFile(path, KEY)).toMatchObject({ ok: true, lines: 7 });
  });

  test("a torn or foreign line is named", () => {
    expect(verifyAuditText(`${lines()[0]}\n{"a":1}\n`, KEY)).toMatchObject({
      ok: false,
      firstBad: { line: 2 },
    });
    expect(verifyAuditText(`${lines()[0]}\nnot json\n`, KEY)).toMatchObject({
      ok: false,
      firstBad: { line: 2 },
    });
    expect(verifyAuditText("", KEY)).toMatchObject({ ok: true, lines: 0 });
  });

  test("three processes appending at once make one valid chain", async () => {
    const child = (n: number) =>
      runModule(`import { AuditLog } from ${JSON.stringify(join(ROOT, "src/access/audit.ts"))};
        const log = new AuditLog(${JSON.stringify(path)}, Buffer.from(${JSON.stringify(KEY.toString())}));
        await Promise.all(Array.from({ length: 40 }, (_, i) =>
          log.append({ event: "search", key_id: "p${n}", tenant: "t", route: "POST /v1/search", i })));`);
    await Promise.all([child(1), child(2), child(3)]);
    const result = verifyAuditFile(path, KEY);
    expect(result).toMatchObject({ ok: true, lines: 6 + 120 });
    const byProcess = readAudit(path, new Date(0)).filter((r) => r.key_id === "p2");
    expect(byProcess.map((r) => r.i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  }, 60_000);

  test("lines cut off the end are found with the head file deleted, rewritten or taken from the log itself (finding 6)", () => {
    const ls = lines();
    const cut = ls.slice(0, 4);
    write(cut);
    rmSync(`${path}.head`);
    expect(verifyAuditFile(path, KEY)).toMatchObject({ ok: false });
    const last = JSON.parse(cut.at(-1)!) as { seq: number; hash: string };
    writeFileSync(`${path}.head`, `${JSON.stringify({ seq: last.seq, hash: last.hash })}\n`);
    expect(verifyAuditFile(path, KEY)).toMatchObject({ ok: false });
  });

  test("a log re-chained from its first line without the key is found (finding 6)", () => {
    let prev = GENESIS_HASH;
    const rechained = lines().map((l, i) => {
      const { hash: _h, ...rest } = JSON.parse(l) as Record<string, unknown>;
      const body = { ...rest, tenant: "rewritten", seq: i + 1, prev_hash: prev };
      const hash = createHash("sha256")
        .update(prev + canonicalJson(body))
        .digest("hex");
      prev = hash;
      return canonicalJson({ ...body, hash });
    });
    write(rechained);
    writeFileSync(`${path}.head`, `${JSON.stringify({ seq: rechained.length, hash: prev })}\n`);
    const result = verifyAuditFile(path, KEY);
    expect(result).toMatchObject({ ok: false, firstBad: { line: 1 } });
    // The same log checked with another key is not intact either: the key is what anchors it.
    write(lines());
    expect(verifyAuditFile(path, Buffer.from("another key, also 32 characters or more"))).toMatchObject({
      ok: false,
    });
  });

  test("an append after a cut records the gap, so the cut stays visible after later appends (finding 6)", async () => {
    write(lines().slice(0, 3));
    const log = new AuditLog(path, KEY);
    await log.append({ event: "search", key_id: "k9", tenant: "acme", route: "POST /v1/search" });
    await log.append({ event: "search", key_id: "k9", tenant: "acme", route: "POST /v1/search" });
    const result = verifyAuditFile(path, KEY);
    expect(result.ok).toBe(false);
    expect(result.firstBad!.reason).toMatch(/removed/);
  });

  test("--since takes durations and ISO times", () => {
    const now = new Date("2025-06-01T12:00:00Z");
    expect(parseSince("24h", now)!.toISOString()).toBe("2025-05-31T12:00:00.000Z");
    expect(parseSince("30m", now)!.toISOString()).toBe("2025-06-01T11:30:00.000Z");
    expect(parseSince("7d", now)!.toISOString()).toBe("2025-05-25T12:00:00.000Z");
    expect(parseSince("2025-01-02T03:04:05Z", now)!.toISOString()).toBe("2025-01-02T03:04:05.000Z");
    expect(parseSince("yesterday", now)).toBeNull();
    expect(readAudit(path, new Date(Date.now() + 60_000))).toHaveLength(0);
    expect(readAudit(path, new Date(0))).toHaveLength(6);
  });
});
