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
  return /^s3:\/\//.test(location.uri);
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

/**
 * LanceDB's S3 options from the AWS settings that are set (unset ones are left to LanceDB, which
 * then looks for credentials the AWS way). The S3-specific endpoint wins, as in the AWS SDKs.
 */
function s3StorageOptions(config: Config): Record<string, string> {
  const endpoint = config.AWS_ENDPOINT_URL_S3 ?? config.AWS_ENDPOINT_URL;
  const options: Record<string, string | undefined> = {
    endpoint,
    region: config.AWS_REGION ?? config.AWS_DEFAULT_REGION,
    access_key_id: config.AWS_ACCESS_KEY_ID,
    secret_access_key: config.AWS_SECRET_ACCESS_KEY,
    session_token: config.AWS_SESSION_TOKEN,
    // object_store refuses plain HTTP unless told: a test server or storage on a private network.
    allow_http: endpoint?.startsWith("http://") ? "true" : undefined,
  };
  return Object.fromEntries(
    Object.entries(options).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
