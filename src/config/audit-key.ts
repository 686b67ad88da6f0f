// The key that anchors the audit trail (an HMAC over every line and over the head file). It must not
// live beside the log: whoever can rewrite DATA_DIR must not be able to re-sign what they rewrote.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, sep } from "node:path";
import { type Config, ConfigError } from "./index.js";

/** Where OPEN_MODE keeps a key it made itself, when none is configured. */
export const DEFAULT_AUDIT_KEY_FILE = join(homedir(), ".config", "cited", "audit.key");

/** Shortest key accepted, in characters. */
const MIN_KEY_CHARS = 32;

const inside = (path: string, folder: string) => {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  const [a, b] = [real(dirname(path)), real(folder)];
  return a === b || a.startsWith(`${b}${sep}`);
};

/** Write a new random key to `path` (mode 0600); refuses to overwrite a key or to write inside DATA_DIR. */
export function writeNewAuditKey(path: string, dataDir: string): void {
  if (inside(path, dataDir))
    throw new ConfigError(
      "AUDIT_KEY_FILE",
      `${path} is inside DATA_DIR: keep the audit key where the log's writer does not store it, e.g. /etc/cited/audit.key`,
    );
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
}

function readKeyFile(path: string, dataDir: string): Buffer {
  if (inside(path, dataDir))
    throw new ConfigError(
      "AUDIT_KEY_FILE",
      `AUDIT_KEY_FILE ${path} is inside DATA_DIR: move the key outside it (e.g. /etc/cited/audit.key) and point AUDIT_KEY_FILE there`,
    );
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch (error) {
    throw new ConfigError(
      "AUDIT_KEY_FILE",
      `AUDIT_KEY_FILE ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}): create it with \`npm run cited -- audit new-key ${path}\` or fix its permissions`,
    );
  }
  if (text.length < MIN_KEY_CHARS)
    throw new ConfigError(
      "AUDIT_KEY_FILE",
      `AUDIT_KEY_FILE ${path} holds fewer than ${MIN_KEY_CHARS} characters: replace it with \`npm run cited -- audit new-key FILE\``,
    );
  return Buffer.from(text, "utf8");
}

/**
 * The audit key: AUDIT_KEY, else the file AUDIT_KEY_FILE. Without either, OPEN_MODE (one user on a
 * laptop) makes one at first start in ~/.config/cited/audit.key; a shared server refuses to start,
 * so a key is always an operator's decision there. Throws ConfigError with the fix.
 */
export function auditKey(config: Config): Buffer {
  if (config.AUDIT_KEY) return Buffer.from(config.AUDIT_KEY, "utf8");
  if (config.AUDIT_KEY_FILE) return readKeyFile(config.AUDIT_KEY_FILE, config.DATA_DIR);
  if (!config.OPEN_MODE)
    throw new ConfigError(
      "AUDIT_KEY_FILE",
      "AUDIT_KEY_FILE is missing: without OPEN_MODE the audit trail needs a key kept outside DATA_DIR; create one with `npm run cited -- audit new-key /etc/cited/audit.key` and set AUDIT_KEY_FILE=/etc/cited/audit.key (or AUDIT_KEY)",
    );
  try {
    writeNewAuditKey(DEFAULT_AUDIT_KEY_FILE, config.DATA_DIR);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return readKeyFile(DEFAULT_AUDIT_KEY_FILE, config.DATA_DIR);
}
