// Where the LanceDB store lives (a folder, or s3://bucket/prefix) and the storage options LanceDB needs
// to reach it: endpoint, region and credentials from the standard AWS settings.
import { join } from "node:path";
import type { Config } from "../../schemas/config.js";

/** The place of a store: LanceDB's URI and, for object storage, its storage options. */
export interface StoreLocation {
  /** A folder, or s3://bucket/prefix. */
  readonly uri: string;
  /** LanceDB `storageOptions` (endpoint, region, credentials); empty for a folder. */
  readonly storageOptions: Readonly<Record<string, string>>;
}

/** Whether the store lives on object storage: no folder on this machine to create or check. */
export function isObjectStore(location: StoreLocation): boolean {
  return isObjectUri(location.uri);
}

/** Whether a store or file location is on object storage (an s3:// URI) rather than a folder. */
export function isObjectUri(uri: string): boolean {
  return /^s3:\/\//.test(uri);
}

/** The store in `dataDir/lancedb`: the default place, and that of evaluation stores. */
export function storeIn(dataDir: string): StoreLocation {
  return { uri: join(dataDir, "lancedb"), storageOptions: {} };
}

/** The configured store: STORE_URI, else DATA_DIR/lancedb. */
export function storeLocation(config: Config): StoreLocation {
  if (config.STORE_URI === undefined) return storeIn(config.DATA_DIR);
  const location = { uri: config.STORE_URI, storageOptions: {} };
  return isObjectStore(location) ? { ...location, storageOptions: s3StorageOptions(config) } : location;
}

/** How to reach S3 or S3-compatible storage, from the AWS settings that are set. */
export interface S3Settings {
  /** Endpoint of S3-compatible storage; unset for AWS S3. */
  readonly endpoint?: string;
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
}

/** The AWS settings of the configuration; the S3-specific endpoint wins, as in the AWS SDKs. */
export function s3Settings(config: Config): S3Settings {
  return {
    endpoint: config.AWS_ENDPOINT_URL_S3 ?? config.AWS_ENDPOINT_URL,
    region: config.AWS_REGION ?? config.AWS_DEFAULT_REGION,
    accessKeyId: config.AWS_ACCESS_KEY_ID,
    secretAccessKey: config.AWS_SECRET_ACCESS_KEY,
    sessionToken: config.AWS_SESSION_TOKEN,
  };
}

/**
 * LanceDB's S3 options from the AWS settings that are set (unset ones are left to LanceDB, which
 * then looks for credentials the AWS way).
 */
function s3StorageOptions(config: Config): Record<string, string> {
  const s3 = s3Settings(config);
  const options: Record<string, string | undefined> = {
    endpoint: s3.endpoint,
    region: s3.region,
    access_key_id: s3.accessKeyId,
    secret_access_key: s3.secretAccessKey,
    session_token: s3.sessionToken,
    // object_store refuses plain HTTP unless told: a test server or storage on a private network.
    allow_http: s3.endpoint?.startsWith("http://") ? "true" : undefined,
  };
  return Object.fromEntries(
    Object.entries(options).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/**
 * Where documents' original files are kept: FILES_URI; else beside an s3:// store (STORE_URI/files,
 * which LanceDB, listing only `*.lance` tables, leaves alone); else DATA_DIR/files.
 */
export function originalsUri(config: Config): string {
  if (config.FILES_URI !== undefined) return config.FILES_URI;
  const store = storeLocation(config);
  return isObjectStore(store) ? `${store.uri.replace(/\/+$/, "")}/files` : join(config.DATA_DIR, "files");
}
