// API keys in the store (the `api_keys` table of DATA_DIR/lancedb), which every API process, worker
// and CLI shares: a key created or revoked by one process counts in all of them within the refresh interval.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import type * as lancedb from "@lancedb/lancedb";
import { z } from "zod";
import { KeyRole, KeyRow } from "../../schemas/api.js";
import { isName } from "../../schemas/names.js";
import { createLogger } from "../lib/logger.js";
import { sqlString } from "../lib/sql.js";
import { withCommitRetry } from "../store/commit.js";
import { openOrCreate } from "../store/index.js";
import { type StoreLocation, storeIn } from "../store/location.js";
import { OwnTables } from "../store/own-tables.js";
import { selectRows } from "../store/rows.js";
import { type AccessScope, accessScope } from "./scope.js";

/** What a key may do: readers search and ask; editors also upload, delete and sync; admins see every group of their tenant. */
export const Role = KeyRole;
export type Role = z.infer<typeof Role>;

/** A key as stored: its hash, never its secret. */
export type StoredKey = KeyRow;

/** A key as listed: everything but its hash. */
export type KeyInfo = Omit<StoredKey, "hash">;

/** The authenticated holder of a key. */
export interface KeyHolder {
  keyId: string;
  role: Role;
  scope: AccessScope;
}

/** Name of the keys' table in the store. */
export const KEY_TABLE = "api_keys";

/** How often, by default, a process reads the key list again: a revocation elsewhere counts within it. */
export const KEY_REFRESH_MS = 1000;

/** The key file of versions before keys moved into the store, imported once. */
const LEGACY_KEY_FILE = z.object({ keys: z.array(KeyRow) });

/** What the import of keys.json logs to: a pino Logger fits. */
export interface ImportLog {
  info(fields: object, message: string): void;
}

/** Options of a KeyStore. */
export interface KeyStoreOptions {
  /** Milliseconds the key list kept in memory is trusted before it is read again (KEY_REFRESH_MS). */
  refreshMs?: number;
  /** Where the line about a keys.json import goes (a logger on stderr by default). */
  log?: ImportLog;
  /** The store that holds the keys' table (STORE_URI); DATA_DIR/lancedb by default. */
  store?: StoreLocation;
}

const hashOf = (secret: string) => createHash("sha256").update(secret).digest("hex");
const infoOf = ({ hash: _hash, ...info }: StoredKey): KeyInfo => info;

/**
 * One key per id: a keys.json imported by two processes at once may leave two rows of a key, and a
 * revocation of either counts.
 */
function oneRowPerKey(rows: StoredKey[]): StoredKey[] {
  const byId = new Map<string, StoredKey>();
  for (const row of rows) {
    const seen = byId.get(row.id);
    if (!seen || (seen.revoked_at === null && row.revoked_at !== null)) byId.set(row.id, row);
  }
  return [...byId.values()].sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/**
 * API keys in the store: hashed, shown once at creation, revoked rather than deleted so the audit
 * trail keeps meaning. Each process keeps the list in memory and reads it again at most every
 * `refreshMs`; its own creations and revocations count at once.
 */
export class KeyStore {
  private readonly tables: OwnTables<{ keys: lancedb.Table }>;
  private cache: { readAt: number; keys: StoredKey[] } | null = null;
  private loading: Promise<StoredKey[]> | null = null;
  private readonly refreshMs: number;
  private readonly log: ImportLog | undefined;

  /** The keys of the store (created when missing); a keys.json in `dataDir` is imported. */
  constructor(
    readonly dataDir: string,
    options: KeyStoreOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? KEY_REFRESH_MS;
    this.log = options.log;
    // Its own connection, without the embedder: every read sees other processes' commits.
    this.tables = new OwnTables(options.store ?? storeIn(dataDir), async (db) => {
      const keys = await openOrCreate(db, KEY_TABLE, KeyRow);
      await this.importKeyFile(keys);
      return { keys };
    });
  }

  /** Open the table now (importing keys.json), so that a problem stops start-up, not a request. */
  async open(): Promise<void> {
    await this.opened();
  }

  private opened() {
    return this.tables.get();
  }

  /**
   * Keys of DATA_DIR/keys.json (versions before the store kept them) go into an empty table, and the
   * file is renamed keys.json.imported. Two processes importing at once leave duplicate rows, merged on read.
   */
  private async importKeyFile(table: lancedb.Table): Promise<void> {
    const path = join(this.dataDir, "keys.json");
    if (!existsSync(path) || (await table.countRows()) > 0) return;
    const { keys } = LEGACY_KEY_FILE.parse(JSON.parse(readFileSync(path, "utf8")));
    if (keys.length > 0) await withCommitRetry(() => table.add(keys));
    try {
      renameSync(path, `${path}.imported`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error; // another process did
    }
    (this.log ?? createLogger("cited-keys", "info")).info(
      { imported: keys.length, from: path },
      `imported ${keys.length} API keys from keys.json into the store; the file is now keys.json.imported`,
    );
  }

  /** The key list, from memory when read less than `refreshMs` ago. */
  private async keys(): Promise<StoredKey[]> {
    if (this.cache && Date.now() - this.cache.readAt < this.refreshMs) return this.cache.keys;
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<StoredKey[]> {
    const readAt = Date.now();
    const { keys: table } = await this.opened();
    const rows = KeyRow.array().parse(await selectRows<StoredKey>(table, "id IS NOT NULL"));
    const keys = oneRowPerKey(rows);
    this.cache = { readAt, keys };
    return keys;
  }

  /** Change the list in memory after this process's own commit, so it counts here at once. */
  private remember(change: (keys: StoredKey[]) => StoredKey[]): void {
    if (this.cache) this.cache = { ...this.cache, keys: change(this.cache.keys) };
  }

  /** Create a key; the returned secret is the only time it is shown. */
  async create(input: { tenant: string; groups: string[]; role: Role; label?: string }): Promise<{
    key: string;
    info: KeyInfo;
  }> {
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
    const { keys: table } = await this.opened();
    await withCommitRetry(() => table.add([stored]));
    this.remember((keys) => [...keys, stored]);
    return { key: `cited_${id}_${secret}`, info: infoOf(stored) };
  }

  /** Every key, active or revoked, oldest first. */
  async list(): Promise<KeyInfo[]> {
    return (await this.keys()).map(infoOf);
  }

  /** Revoke a key by id; false if there is no such active key (in the store, whatever this process last read). */
  async revoke(id: string): Promise<boolean> {
    const { keys: table } = await this.opened();
    const revokedAt = new Date().toISOString();
    const { rowsUpdated } = await withCommitRetry(() =>
      table.update({
        where: `id = ${sqlString(id)} AND revoked_at IS NULL`,
        values: { revoked_at: revokedAt },
      }),
    );
    this.remember((keys) =>
      keys.map((k) => (k.id === id && k.revoked_at === null ? { ...k, revoked_at: revokedAt } : k)),
    );
    return rowsUpdated > 0;
  }

  /** Whether any active key exists. */
  async hasKeys(): Promise<boolean> {
    return (await this.keys()).some((k) => k.revoked_at === null);
  }

  /** The holder of a presented key, or null if it is unknown, malformed or revoked. */
  async authenticate(presented: string): Promise<KeyHolder | null> {
    const m = /^cited_([0-9a-f]{12})_([A-Za-z0-9_-]{32})$/.exec(presented.trim());
    if (!m) return null;
    const key = (await this.keys()).find((k) => k.id === m[1] && k.revoked_at === null);
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

  /** Close the store connection (the next call opens it again). */
  async close(): Promise<void> {
    this.cache = null;
    await this.tables.close();
  }
}
