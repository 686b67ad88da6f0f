// A JSON file of records that several processes change (the API, workers, the CLI): read through a
// cache keyed by its modification time, changed under a file lock, replaced atomically (mode 0600).
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { z } from "zod";
import { withFileLockSync } from "./file-lock.js";

/** A JSON file `{ "<field>": [records] }` validated by `schema` on every read. */
export class LockedJsonFile<T> {
  private cache: { mtimeMs: number; items: T[] } | null = null;

  constructor(
    readonly path: string,
    /** The top-level field that holds the records. */
    private readonly field: string,
    private readonly schema: z.ZodType<T>,
  ) {}

  /** The records now (none when the file does not exist yet). */
  read(): T[] {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.path).mtimeMs;
    } catch {
      return [];
    }
    if (this.cache?.mtimeMs === mtimeMs) return this.cache.items;
    const raw = JSON.parse(readFileSync(this.path, "utf8")) as Record<string, unknown>;
    const items = (Array.isArray(raw[this.field]) ? raw[this.field] : []) as unknown[];
    const parsed = items.map((i) => this.schema.parse(i));
    this.cache = { mtimeMs, items: parsed };
    return parsed;
  }

  /** Read, change and write under the lock; `fn` returns the new records (null: no change) and a result. */
  change<R>(fn: (items: T[]) => { items: T[] | null; result: R }): R {
    mkdirSync(dirname(this.path), { recursive: true });
    return withFileLockSync(`${this.path}.lock`, () => {
      this.cache = null;
      const { items, result } = fn(this.read());
      if (items) {
        const tmp = `${this.path}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify({ [this.field]: items }, null, 2), { mode: 0o600 });
        renameSync(tmp, this.path);
        this.cache = null;
      }
      return result;
    });
  }
}
