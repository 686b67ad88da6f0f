// The audit trail: an append-only file of JSON lines (DATA_DIR/audit.log), each chained to the one
// before it by an HMAC-SHA-256 under a key kept outside DATA_DIR (AUDIT_KEY / AUDIT_KEY_FILE), so an
// edited, removed, reordered or re-chained line is found by `cited audit verify`: without the key
// nobody can write a line, or a whole log, that verifies.
//
// Several processes append to one file (the API, the CLI). Each append takes a lock file next to the
// log, reads the head file (audit.log.head: the last sequence number and hash, signed with the key)
// and the last line, and writes the new line with one O_APPEND write. When the log no longer ends
// where the head says (lines were cut off, the head was deleted), the new line records the gap, so a
// cut stays visible however many lines are appended after it.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { open, readFile, rename, writeFile } from "node:fs/promises";
import { withFileLock } from "./file-lock.js";

/** prev_hash of the first line. */
export const GENESIS_HASH = "0".repeat(64);

/** What happened, as the caller describes it; the log adds seq, time, pid and the hashes. */
export interface AuditEvent {
  /** e.g. "ask", "search", "documents.upload", "documents.view", "documents.refused", "keys.create". */
  event: string;
  /** Key that acted: a key id, "open" in open mode, "cli" on the command line, "none" without a valid key. */
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
  /** HMAC-SHA-256 (the audit key) of prev_hash + canonical JSON of this line without `hash`. */
  hash: string;
  /** Set when the writer found the log cut: where the head said it ended, and why this is a gap. */
  gap?: { head_seq: number | null; found_seq: number; reason: string };
}

/** The last line's number and hash, signed with the key (`mac`), kept next to the log. */
export interface AuditHead {
  seq: number;
  hash: string;
  mac?: string;
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

/** The hash a line must carry: an HMAC under the audit key, which nobody without the key can make. */
export function lineHash(record: Omit<AuditRecord, "hash"> & { hash?: string }, key: Buffer): string {
  const { hash: _hash, ...rest } = record;
  return createHmac("sha256", key)
    .update(rest.prev_hash + canonicalJson(rest))
    .digest("hex");
}

/** The signature of a head file's content. */
export function headMac(head: { seq: number; hash: string }, key: Buffer): string {
  return createHmac("sha256", key).update(`audit-head\n${head.seq}\n${head.hash}`).digest("hex");
}

const sameHex = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

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

/** Where the log ends, by its last line: sequence number and hash (a damaged line: the hash of its text). */
async function logEnd(path: string): Promise<{ seq: number; hash: string } | null> {
  const last = await lastLine(path);
  if (last === null) return null;
  try {
    const parsed = JSON.parse(last) as Partial<AuditRecord>;
    return { seq: Number(parsed.seq), hash: String(parsed.hash) };
  } catch {
    // A damaged last line: chain on from its text so verify points at it, not at this one.
    const lines = readFileSync(path, "utf8").split("\n").filter(Boolean).length;
    return { seq: lines, hash: createHash("sha256").update(last).digest("hex") };
  }
}

/** Why a log that ends at `end` does not match its head file, or null when it does. */
function gapBetween(head: AuditHead | null, end: { seq: number; hash: string } | null) {
  const found = end?.seq ?? 0;
  if (!head) {
    if (!end) return null;
    return {
      head_seq: null,
      found_seq: found,
      reason: "the head file was missing or not signed with the key",
    };
  }
  // The head may lag one line behind (a writer stopped between its two writes).
  if (end && ((head.seq === end.seq && head.hash === end.hash) || head.seq === end.seq - 1)) return null;
  return {
    head_seq: head.seq,
    found_seq: found,
    reason: `the head file says line ${head.seq} was written, but the log ended at line ${found}: lines were removed`,
  };
}

/** The audit trail: a file (audit.log) or, with a store on object storage, rows of the store. */
export interface AuditTrail {
  /** Where it is, for messages: a path or a store URI. */
  readonly where: string;
  /** Append one event; appends of one process are written in call order. Rejects when it cannot be written. */
  append(event: AuditEvent): Promise<AuditRecord>;
  /** Check every record and the head(s) with the audit key. */
  verify(): Promise<AuditVerification>;
  /** Records appended at or after `since`, oldest first. */
  read(since: Date): Promise<AuditRecord[]>;
}

/** The audit trail in a file of JSON lines, with its head file beside it. */
export class AuditLog implements AuditTrail {
  private queue: Promise<unknown> = Promise.resolve();
  readonly lockPath: string;
  readonly headPath: string;

  constructor(
    readonly path: string,
    private readonly key: Buffer,
  ) {
    this.lockPath = `${path}.lock`;
    this.headPath = `${path}.head`;
  }

  get where(): string {
    return this.path;
  }

  async verify(): Promise<AuditVerification> {
    return verifyAuditFile(this.path, this.key);
  }

  async read(since: Date): Promise<AuditRecord[]> {
    return readAudit(this.path, since);
  }

  /** Append one event; appends of one process are written in call order. Rejects when it cannot be written. */
  append(event: AuditEvent): Promise<AuditRecord> {
    const next = this.queue.then(() => withFileLock(this.lockPath, () => this.appendLocked(event)));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async appendLocked(event: AuditEvent): Promise<AuditRecord> {
    const end = await logEnd(this.path);
    const head = await readHeadAsync(this.path, this.key);
    const gap = gapBetween(head, end);
    const body = {
      ...event,
      seq: (end?.seq ?? 0) + 1,
      time: new Date().toISOString(),
      pid: process.pid,
      prev_hash: end?.hash ?? GENESIS_HASH,
      ...(gap ? { gap } : {}),
    };
    const record = { ...body, hash: lineHash(body, this.key) } as AuditRecord;
    const fh = await open(this.path, "a", 0o600);
    try {
      await fh.write(`${canonicalJson(record)}\n`);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    const next = { seq: record.seq, hash: record.hash };
    const tmp = `${this.headPath}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ ...next, mac: headMac(next, this.key) })}\n`, { mode: 0o600 });
    await rename(tmp, this.headPath);
    return record;
  }
}

/** Result of checking a log. */
export interface AuditVerification {
  ok: boolean;
  /** Lines that were checked. */
  lines: number;
  /** Hash of the last good line: keep a copy elsewhere to detect a log rolled back to an older head. */
  head: string;
  /** The first line that is wrong (1-based, in its writer's chain for the store) and why. */
  firstBad?: { line: number; reason: string; writer?: string };
}

/** Check the lines of a log: each parses, carries its own HMAC, follows the line before, records no gap. */
function verifyLines(lines: string[], key: Buffer): AuditVerification {
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
    if (!sameHex(record.hash, lineHash(record, key)))
      return bad(
        n,
        "its hash does not match its content under the audit key: the line was edited or written without the key",
      );
    if (record.prev_hash !== prev)
      return bad(n, "it does not follow the line before it: a line was removed, inserted or moved");
    if (record.seq !== n)
      return bad(n, `its sequence number is ${record.seq}, expected ${n}: lines were removed or moved`);
    if (record.gap) return bad(n, `when this line was written, ${record.gap.reason}`);
    prev = record.hash;
  }
  return { ok: true, lines: lines.length, head: prev };
}

/**
 * Check a log's text with the audit key: every line (see verifyLines), then the head file (`head`,
 * signed with the key): it must exist when the log has lines, and the log must reach the line it names.
 */
export function verifyAuditText(
  text: string,
  key: Buffer,
  head?: AuditHead | null,
  /** What the head is called in messages. */
  headName = "the head file (audit.log.head)",
): AuditVerification {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const result = verifyLines(lines, key);
  if (!result.ok || head === undefined) return result;
  const bad = (line: number, reason: string): AuditVerification => ({
    ...result,
    ok: false,
    firstBad: { line, reason },
  });
  if (lines.length === 0 && !head) return result;
  if (!head?.mac || !sameHex(head.mac, headMac(head, key)))
    return bad(
      lines.length + 1,
      `${headName} is missing or not signed with the audit key: lines may have been removed from the end`,
    );
  if (head.seq > lines.length)
    return bad(
      lines.length + 1,
      `the log ends after line ${lines.length} but line ${head.seq} was written (see ${headName}): lines were removed from the end`,
    );
  if (head.seq >= 1) {
    const record = JSON.parse(lines[head.seq - 1]!) as AuditRecord;
    if (record.hash !== head.hash)
      return bad(head.seq, `its hash differs from the one recorded in ${headName}: the log was rewritten`);
  }
  return result;
}

function parseHead(text: string): AuditHead | null {
  try {
    const head = JSON.parse(text) as { seq: unknown; hash: unknown; mac: unknown };
    if (typeof head.seq === "number" && typeof head.hash === "string")
      return { seq: head.seq, hash: head.hash, ...(typeof head.mac === "string" ? { mac: head.mac } : {}) };
    return null;
  } catch {
    return null;
  }
}

/** The head file next to a log, as written (signed or not), or null when there is none. */
export function readHead(path: string): AuditHead | null {
  try {
    return parseHead(readFileSync(`${path}.head`, "utf8"));
  } catch {
    return null;
  }
}

/** The head file when its signature is good under `key`, else null (for the writer). */
async function readHeadAsync(path: string, key: Buffer): Promise<AuditHead | null> {
  let head: AuditHead | null;
  try {
    head = parseHead(await readFile(`${path}.head`, "utf8"));
  } catch {
    return null;
  }
  return head?.mac && sameHex(head.mac, headMac(head, key)) ? head : null;
}

/** Verify the log file at `path` with the audit key (a missing log is an empty, valid one). */
export function verifyAuditFile(path: string, key: Buffer): AuditVerification {
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  return verifyAuditText(text, key, readHead(path));
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
