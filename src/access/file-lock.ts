// A lock file shared by several processes (the API, workers, the command line): created with O_EXCL,
// holding the holder's pid; a lock older than STALE_LOCK_MS or whose holder is gone is taken over.
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";

/** A lock file older than this belongs to a process that died while holding it. */
const STALE_LOCK_MS = 10_000;
/** How long a caller waits for the lock before it gives up. */
const LOCK_TIMEOUT_MS = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether a held lock may be taken over: its holder is gone, or it is stale. */
function abandoned(mtimeMs: number, holder: string): boolean {
  const pid = Number(holder);
  const stale = Date.now() - mtimeMs > STALE_LOCK_MS;
  return stale || (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid));
}

const timeout = (lockPath: string) =>
  new Error(`could not take the lock ${lockPath} within ${LOCK_TIMEOUT_MS} ms: another process holds it`);

/** Run `fn` holding the lock file `lockPath`. */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(dirname(lockPath), { recursive: true });
  const until = Date.now() + LOCK_TIMEOUT_MS;
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    try {
      const fh = await open(lockPath, "wx", 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    try {
      const [info, holder] = await Promise.all([stat(lockPath), readFile(lockPath, "utf8")]);
      if (abandoned(info.mtimeMs, holder)) await unlink(lockPath).catch(() => undefined);
    } catch {
      // released meanwhile; try again
    }
    if (Date.now() > until) throw timeout(lockPath);
    await new Promise((r) => setTimeout(r, wait));
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

/** The same, for synchronous callers (the key store, whose API is synchronous). */
export function withFileLockSync<T>(lockPath: string, fn: () => T): T {
  const until = Date.now() + LOCK_TIMEOUT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    try {
      const fd = openSync(lockPath, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    try {
      if (abandoned(statSync(lockPath).mtimeMs, readFileSync(lockPath, "utf8"))) unlinkSync(lockPath);
    } catch {
      // released meanwhile; try again
    }
    if (Date.now() > until) throw timeout(lockPath);
    Atomics.wait(pause, 0, 0, wait);
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(lockPath);
    } catch {
      // already gone
    }
  }
}
