import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { z } from "zod";
import {
  type Config,
  type ConfigKey,
  ConfigSchema,
  describeSetting,
  URI_PATTERN,
} from "../../schemas/config.js";

export type { Config } from "../../schemas/config.js";

/** A setting is missing or wrong; `message` is one line naming the variable, the problem and the fix. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(
    /** The environment variable at fault. */
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/** Environment variable naming an optional JSON file of settings; the environment wins over the file. */
export const CONFIG_FILE_VARIABLE = "CITED_CONFIG";

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new ConfigError(
      CONFIG_FILE_VARIABLE,
      `${CONFIG_FILE_VARIABLE}: cannot read the config file ${path}; point it at a readable JSON file or unset it`,
    );
  }
  try {
    const data: unknown = JSON.parse(text);
    if (data === null || typeof data !== "object" || Array.isArray(data)) throw new Error("not an object");
    return data as Record<string, unknown>;
  } catch {
    throw new ConfigError(
      CONFIG_FILE_VARIABLE,
      `${CONFIG_FILE_VARIABLE}: ${path} is not a JSON object; write it as {"PORT": 8080, ...} with the variable names as keys`,
    );
  }
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): ConfigError {
  const key = String(issue.path[0] ?? CONFIG_FILE_VARIABLE);
  if (!(key in ConfigSchema.shape)) {
    return new ConfigError(key, `${key}: ${issue.message}`);
  }
  const { fix } = describeSetting(key as ConfigKey);
  const given = raw[key];
  const what = given === undefined ? "is missing" : `is not valid (got ${JSON.stringify(String(given))})`;
  return new ConfigError(key, `${key} ${what}: ${issue.message}; ${fix}`);
}

/**
 * Read and validate the configuration from the environment (and the optional JSON file named by
 * CITED_CONFIG). Empty variables count as unset. Relative folders (DATA_DIR, MODELS_DIR, a STORE_URI
 * that is a folder) resolve against the working directory.
 * Throws ConfigError on the first bad setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const filePath = env[CONFIG_FILE_VARIABLE];
  const fromFile = filePath ? readConfigFile(filePath) : {};
  const unknownKeys = Object.keys(fromFile).filter((k) => !(k in ConfigSchema.shape));
  if (unknownKeys.length > 0) {
    throw new ConfigError(
      unknownKeys[0]!,
      `${unknownKeys[0]}: not a Cited setting (in ${filePath}); remove it or fix its spelling — see the README's configuration table`,
    );
  }
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = env[key] !== undefined && env[key] !== "" ? env[key] : fromFile[key];
    if (value !== undefined && value !== "") raw[key] = typeof value === "string" ? value : String(value);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) throw describeIssue(parsed.error.issues[0]!, raw);
  const config = parsed.data;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(p));
  const store = config.STORE_URI;
  const files = config.FILES_URI;
  return {
    ...config,
    DATA_DIR: abs(config.DATA_DIR),
    MODELS_DIR: abs(config.MODELS_DIR),
    STORE_URI: store === undefined || URI_PATTERN.test(store) ? store : abs(store),
    FILES_URI: files === undefined || URI_PATTERN.test(files) ? files : abs(files),
  };
}

/** loadConfig for process entry points: a bad setting prints its one line and exits with status 78 (EX_CONFIG). */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`cited: configuration error: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}
