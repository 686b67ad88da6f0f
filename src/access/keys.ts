import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { KeyRole } from "../../schemas/api.js";
import { isName } from "../../schemas/names.js";
import { withFileLockSync } from "./file-lock.js";
import { type AccessScope, accessScope } from "./scope.js";

/** What a key may do: readers search and ask; editors also upload, delete and sync; admins see every group of their tenant. */
export const Role = KeyRole;
export type Role = z.infer<typeof Role>;

const StoredKey = z.object({
  id: z.string(),
  /** SHA-256 of the secret part; the secret itself is never stored. */
  hash: z.string(),
  tenant: z.string(),
  groups: z.array(z.string()),
  role: Role,
  label: z.string(),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
});
export type StoredKey = z.infer<typeof StoredKey>;
const KeyFile = z.object({ keys: z.array(StoredKey) });

/** A key as listed: everything but its hash. */
export type KeyInfo = Omit<StoredKey, "hash">;

/** The authenticated holder of a key. */
export interface KeyHolder {
  keyId: string;
  role: Role;
  scope: AccessScope;
}

const hashOf = (secret: string) => createHash("sha256").update(secret).digest("hex");

/**
 * API keys in a JSON file (DATA_DIR/keys.json, mode 0600): hashed, shown once at creation, revoked
 * rather than deleted so the audit trail keeps meaning. The API re-reads the file when it changes.
 */
export class KeyStore {
  private cache: { mtimeMs: number; keys: StoredKey[] } | null = null;

  constructor(readonly path: string) {}

  private read(): StoredKey[] {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.path).mtimeMs;
    } catch {
      return [];
    }
    if (this.cache?.mtimeMs === mtimeMs) return this.cache.keys;
    const keys = KeyFile.parse(JSON.parse(readFileSync(this.path, "utf8"))).keys;
    this.cache = { mtimeMs, keys };
    return keys;
  }

  private write(keys: StoredKey[]): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ keys }, null, 2), { mode: 0o600 });
    renameSync(tmp, this.path);
    this.cache = null;
  }

  /**
   * Read, change and write the file under a lock (keys.json.lock), re-reading it inside the lock, so
   * writers in other processes (the CLI, another API) never lose a key or undo a revocation.
   */
  private change<T>(fn: (keys: StoredKey[]) => { keys: StoredKey[] | null; result: T }): T {
    mkdirSync(dirname(this.path), { recursive: true });
    return withFileLockSync(`${this.path}.lock`, () => {
      this.cache = null;
      const { keys, result } = fn(this.read());
      if (keys) this.write(keys);
      return result;
    });
  }

  /** Create a key; the returned secret is the only time it is shown. */
  create(input: { tenant: string; groups: string[]; role: Role; label?: string }): {
    key: string;
    info: KeyInfo;
  } {
    for (const name of [input.tenant, ...input.groups]) {
      if (!isName(name))
        throw new Error(
          `"${name}" is not a valid tenant or group name: use letters, digits, _ . - (at most 64)`,
        );
    }
    const id = randomBytes(6).toString("hex");
    const secret = randomBytes(24).toString("base64url");
    const stored: StoredKey = {
      id,
      hash: hashOf(secret),
      tenant: input.tenant,
      groups: [...new Set(input.groups)],
      role: input.role,
      label: input.label ?? "",
      created_at: new Date().toISOString(),
      revoked_at: null,
    };
    this.change((keys) => ({ keys: [...keys, stored], result: null }));
    const { hash: _hash, ...info } = stored;
    return { key: `cited_${id}_${secret}`, info };
  }

  list(): KeyInfo[] {
    return this.read().map(({ hash: _hash, ...info }) => info);
  }

  /** Revoke a key by id; false if there is no such active key. */
  revoke(id: string): boolean {
    return this.change((keys) => {
      const key = keys.find((k) => k.id === id && k.revoked_at === null);
      if (!key) return { keys: null, result: false };
      const revoked = keys.map((k) => (k === key ? { ...k, revoked_at: new Date().toISOString() } : k));
      return { keys: revoked, result: true };
    });
  }

  /** Whether any active key exists. */
  hasKeys(): boolean {
    return this.read().some((k) => k.revoked_at === null);
  }

  /** The holder of a presented key, or null if it is unknown, malformed or revoked. */
  authenticate(presented: string): KeyHolder | null {
    const m = /^cited_([0-9a-f]{12})_([A-Za-z0-9_-]{32})$/.exec(presented.trim());
    if (!m) return null;
    const key = this.read().find((k) => k.id === m[1] && k.revoked_at === null);
    if (!key) return null;
    const a = Buffer.from(hashOf(m[2]!), "hex");
    const b = Buffer.from(key.hash, "hex");
    if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
    return {
      keyId: key.id,
      role: key.role,
      scope: accessScope(key.tenant, key.groups, key.role === "admin"),
    };
  }
}
