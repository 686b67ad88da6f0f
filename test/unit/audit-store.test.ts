// The audit trail in the store (a real LanceDB folder here; on object storage in test/s3): each
// process keeps a chain of its own, so replicas never wait for one another, and an edited line or a
// chain cut short is still found.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { AUDIT_TABLES, StoreAuditTrail } from "../../src/access/audit-store.js";
import { storeIn } from "../../src/store/location.js";

const KEY = Buffer.from("a test key of the audit trail, 32+ characters long");
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cited-audit-store-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const event = (i: number) => ({
  event: "search",
  key_id: `k${i}`,
  tenant: "acme",
  route: "POST /v1/search",
  i,
});

/** Two writers (as two API replicas), 15 appends each made at once. */
async function twoWriters() {
  const [a, b] = [new StoreAuditTrail(storeIn(dir), KEY), new StoreAuditTrail(storeIn(dir), KEY)];
  const records = await Promise.all([
    ...Array.from({ length: 15 }, (_, i) => a.append(event(i))),
    ...Array.from({ length: 15 }, (_, i) => b.append(event(100 + i))),
  ]);
  await Promise.all([a.close(), b.close()]);
  return { a, b, records };
}

async function withLines(change: (lines: lancedb.Table) => Promise<unknown>) {
  const db = await lancedb.connect(storeIn(dir).uri);
  const lines = await db.openTable(AUDIT_TABLES.lines);
  try {
    await change(lines);
  } finally {
    lines.close();
    db.close();
  }
}

describe("audit trail in the store", () => {
  test("two writers appending at once: each chain verifies, and every record is read back in time order", async () => {
    const { a, b, records } = await twoWriters();
    expect(a.writer).not.toBe(b.writer);
    expect(records.filter((r) => r.writer === a.writer).map((r) => r.seq)).toEqual(
      Array.from({ length: 15 }, (_, i) => i + 1),
    );
    const reader = new StoreAuditTrail(storeIn(dir), KEY);
    expect(await reader.verify()).toMatchObject({ ok: true, lines: 30 });
    const read = await reader.read(new Date(0));
    expect(read).toHaveLength(30);
    expect(read.map((r) => r.time)).toEqual([...read.map((r) => r.time)].sort());
    expect(await reader.read(new Date(Date.now() + 60_000))).toEqual([]);
    // Appends made at once share commits: far fewer table versions than records.
    await withLines(async (lines) => expect(await lines.version()).toBeLessThan(15));
    await reader.close();
  });

  test("an edited line is found, with its writer", async () => {
    const { a } = await twoWriters();
    await withLines((lines) =>
      lines.update({
        where: `writer = '${a.writer}' AND seq = 4`,
        valuesSql: { line: "replace(line, '\"acme\"', '\"other\"')" },
      }),
    );
    const result = await new StoreAuditTrail(storeIn(dir), KEY).verify();
    expect(result).toMatchObject({ ok: false, firstBad: { line: 4, writer: a.writer } });
    expect(result.firstBad!.reason).toMatch(/edited/);
  });

  test("lines cut off the end of a chain are found through its signed head", async () => {
    const { b } = await twoWriters();
    await withLines((lines) => lines.delete(`writer = '${b.writer}' AND seq > 12`));
    const result = await new StoreAuditTrail(storeIn(dir), KEY).verify();
    expect(result).toMatchObject({ ok: false, firstBad: { writer: b.writer } });
    expect(result.firstBad!.reason).toMatch(/line 15 was written .*lines were removed from the end/);
  });

  test("a trail read with another key does not verify", async () => {
    await twoWriters();
    const result = await new StoreAuditTrail(
      storeIn(dir),
      Buffer.from("another key, also 32+ characters long"),
    ).verify();
    expect(result.ok).toBe(false);
  });
});
