// The audit trail: an append-only file of JSON lines (DATA_DIR/audit.log), each chained to the one
// before it by SHA-256, so an edited, removed or reordered line is found by `cited audit verify`.
//
// Several processes append to one file (the API, the CLI that creates and revokes keys). Each append
// takes a lock file next to the log (created with O_EXCL; a lock older than STALE_LOCK_MS or held by
// a process that is gone is taken over), reads the hash of the last line, and writes the new line
// with one O_APPEND write. One chain for the whole file; a head file (audit.log.head) records the
// last sequence number and hash, so removing lines from the end is found too.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** prev_hash of the first line. */
export const GENESIS_HASH = "0".repeat(64);
/** A lock file older than this belongs to a process that died while holding it. */
const STALE_LOCK_MS = 10_000;
/** How long an append waits for the lock before it gives up. */
const LOCK_TIMEOUT_MS = 10_000;

/** What happened, as the caller describes it; the log adds seq, time, pid and the hashes. */
export interface AuditEvent {
  /** e.g. "ask", "search", "documents.upload", "documents.delete", "keys.create", "keys.revoke". */
  event: string;
  /** Key that acted: a key id, "open" in open mode, "cli" on the command line. */
  key_id: string;
  tenant: string;
  /** e.g. "POST /v1/ask", or "cli keys create". */
  route: string;
  [field: string]: unknown;
}

/** One line of the log. */
export interface AuditRecord extends AuditEvent {
  /** 1-based line number. */
  seq: number;
  /** ISO time of the append. */
  time: string;
  /** Hash of the line before (GENESIS_HASH for the first). */
  prev_hash: string;
  /** sha256(prev_hash + canonical JSON of this line without `hash`). */
  hash: string;
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** The hash a line must carry. */
export function lineHash(record: Omit<AuditRecord, "hash"> & { hash?: string }): string {
  const { hash: _hash, ...rest } = record;
  return createHash("sha256")
    .update(rest.prev_hash + canonicalJson(rest))
    .digest("hex");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The last complete line of a file (reading backwards from its end), or null when it is empty. */
async function lastLine(path: string): Promise<string | null> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    const { size } = await fh.stat();
    if (size === 0) return null;
    let tail = Buffer.alloc(0);
    let pos = size;
    while (pos > 0) {
      const n = Math.min(64 * 1024, pos);
      pos -= n;
      const buf = Buffer.alloc(n);
      await fh.read(buf, 0, n, pos);
      tail = Buffer.concat([buf, tail]);
      const text = tail.toString("utf8").replace(/\n+$/, "");
      const cut = text.lastIndexOf("\n");
      if (cut >= 0) return text.slice(cut + 1);
      if (pos === 0) return text;
    }
    return null;
  } finally {
    await fh.close();
  }
}

/** The append side of the audit trail. */
export class AuditLog {
  private queue: Promise<unknown> = Promise.resolve();
  readonly lockPath: string;
  readonly headPath: string;

  constructor(readonly path: string) {
    this.lockPath = `${path}.lock`;
    this.headPath = `${path}.head`;
  }

  /** Append one event; appends of one process are written in call order. */
  append(event: AuditEvent): Promise<AuditRecord> {
    const next = this.queue.then(() => this.appendLocked(event));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async lock(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const until = Date.now() + LOCK_TIMEOUT_MS;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      try {
        const fh = await open(this.lockPath, "wx", 0o600);
        await fh.writeFile(String(process.pid));
        await fh.close();
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      // Held: take it over only if its holder is gone or it is stale.
      try {
        const [info, holder] = await Promise.all([stat(this.lockPath), readFile(this.lockPath, "utf8")]);
        const pid = Number(holder);
        const stale = Date.now() - info.mtimeMs > STALE_LOCK_MS;
        const orphan = Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid);
        if (stale || orphan) await unlink(this.lockPath).catch(() => undefined);
      } catch {
        // released meanwhile; try again
      }
      if (Date.now() > until)
        throw new Error(`audit log: could not take ${this.lockPath} within ${LOCK_TIMEOUT_MS} ms`);
      await sleep(wait);
    }
  }

  private async appendLocked(event: AuditEvent): Promise<AuditRecord> {
    await this.lock();
    try {
      const last = await lastLine(this.path);
      let prev = GENESIS_HASH;
      let seq = 1;
      if (last !== null) {
        try {
          const parsed = JSON.parse(last) as Partial<AuditRecord>;
          prev = String(parsed.hash);
          seq = Number(parsed.seq) + 1;
        } catch {
          // A damaged last line: chain on from its text so verify points at it, not at this one.
          prev = createHash("sha256").update(last).digest("hex");
          seq = readFileSync(this.path, "utf8").split("\n").filter(Boolean).length + 1;
        }
      }
      const body = { ...event, seq, time: new Date().toISOString(), pid: process.pid, prev_hash: prev };
      const record = { ...body, hash: lineHash(body) } as AuditRecord;
      const fh = await open(this.path, "a", 0o600);
      try {
        await fh.write(`${canonicalJson(record)}\n`);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      const tmp = `${this.headPath}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify({ seq, hash: record.hash })}\n`, { mode: 0o600 });
      await rename(tmp, this.headPath);
      return record;
    } finally {
      await unlink(this.lockPath).catch(() => undefined);
    }
  }
}

/** Result of checking a log. */
export interface AuditVerification {
  ok: boolean;
  /** Lines that were checked. */
  lines: number;
  /** Hash of the last good line: keep a copy elsewhere to detect a log rewritten from the start. */
  head: string;
  /** The first line that is wrong (1-based) and why. */
  firstBad?: { line: number; reason: string };
}

/**
 * Check a log's text: every line parses, carries its own hash, points at the line before it and has
 * the next sequence number. With `head` (the head file's content), lines removed from the end are
 * found too.
 */
export function verifyAuditText(
  text: string,
  head?: { seq: number; hash: string } | null,
): AuditVerification {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let prev = GENESIS_HASH;
  const bad = (line: number, reason: string): AuditVerification => ({
    ok: false,
    lines: lines.length,
    head: prev,
    firstBad: { line, reason },
  });
  for (const [i, raw] of lines.entries()) {
    const n = i + 1;
    let record: AuditRecord;
    try {
      record = JSON.parse(raw) as AuditRecord;
    } catch {
      return bad(n, "not a JSON line (edited or torn)");
    }
    if (!record || typeof record !== "object" || typeof record.hash !== "string")
      return bad(n, "no hash: not a line of this log");
    if (raw !== canonicalJson(record)) return bad(n, "not in canonical form: the line was edited");
    if (record.hash !== lineHash(record))
      return bad(n, "its hash does not match its content: the line was edited");
    if (record.prev_hash !== prev)
      return bad(n, "it does not follow the line before it: a line was removed, inserted or moved");
    if (record.seq !== n)
      return bad(n, `its sequence number is ${record.seq}, expected ${n}: lines were removed or moved`);
    prev = record.hash;
  }
  if (head) {
    if (head.seq > lines.length) {
      return bad(
        lines.length + 1,
        `the log ends after line ${lines.length} but line ${head.seq} was written (see ${"audit.log.head"}): lines were removed from the end`,
      );
    }
    if (head.seq >= 1) {
      const record = JSON.parse(lines[head.seq - 1]!) as AuditRecord;
      if (record.hash !== head.hash)
        return bad(
          head.seq,
          "its hash differs from the one recorded in the head file: the log was rewritten",
        );
    }
  }
  return { ok: true, lines: lines.length, head: prev };
}

/** Read the head file next to a log, if there is one. */
export function readHead(path: string): { seq: number; hash: string } | null {
  try {
    const head = JSON.parse(readFileSync(`${path}.head`, "utf8")) as { seq: unknown; hash: unknown };
    if (typeof head.seq === "number" && typeof head.hash === "string")
      return { seq: head.seq, hash: head.hash };
    return null;
  } catch {
    return null;
  }
}

/** Verify the log file at `path` (a missing log is an empty, valid one). */
export function verifyAuditFile(path: string): AuditVerification {
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  return verifyAuditText(text, readHead(path));
}

/** Records appended at or after `since`. Lines that do not parse are skipped (verify reports them). */
export function readAudit(path: string, since: Date): AuditRecord[] {
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const out: AuditRecord[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      const record = JSON.parse(line) as AuditRecord;
      if (Date.parse(record.time) >= since.getTime()) out.push(record);
    } catch {
      // skipped
    }
  }
  return out;
}

/** `--since`: an ISO time, or a duration before now such as 90s, 30m, 24h, 7d. Null when it is neither. */
export function parseSince(value: string, now = new Date()): Date | null {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim());
  if (m) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
    return new Date(now.getTime() - Number(m[1]) * unit);
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(value.trim())) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t);
}
