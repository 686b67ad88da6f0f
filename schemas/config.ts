import { z } from "zod";
import { DEFAULT_TENANT } from "./document.js";
import { isName } from "./names.js";

/**
 * Every setting Cited reads, by the environment variable that sets it.
 * `fix` is shown to the operator when the value is wrong, so it says what to do, not what went wrong.
 */
const setting = <T extends z.ZodType>(schema: T, doc: string, fix: string) =>
  schema.meta({ description: doc, fix }) as T;

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

/** A model reference: a catalog id (see `npm run models -- --list`), a path to a .gguf file, or an `hf:` URI. */
export const ModelRef = z
  .string()
  .trim()
  .min(1)
  .refine((v) => !/\s/.test(v), "must not contain spaces");

/** A URI (scheme://…), as opposed to a folder. */
export const URI_PATTERN = /^[a-z][a-z0-9+.-]*:\/\//i;
/** An S3 bucket and prefix as STORE_URI takes it: s3://bucket or s3://bucket/prefix (bucket names as S3 spells them). */
export const S3_URI_PATTERN = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/;

/** A folder, or an S3 bucket and prefix (STORE_URI, FILES_URI): any other URI is refused. */
const folderOrS3Uri = z
  .string()
  .trim()
  .min(1)
  .refine(
    (v) => !URI_PATTERN.test(v) || S3_URI_PATTERN.test(v),
    "the only URI supported is s3://bucket/prefix",
  );

/** An endpoint URL of S3-compatible storage (http:// is allowed: a test server or a private network). */
const endpointUrl = z.url({ protocol: /^https?$/ });

/** Tesseract languages OCR reads unless OCR_LANGUAGES says otherwise. */
export const DEFAULT_OCR_LANGUAGES = "eng+spa";
/** The LibreOffice program office files are laid out with unless OFFICE_CONVERTER says otherwise. */
export const DEFAULT_OFFICE_CONVERTER = "soffice";
/** Longest time one office conversion may take unless OFFICE_CONVERT_TIMEOUT_MS says otherwise. */
export const DEFAULT_OFFICE_CONVERT_TIMEOUT_MS = 120_000;

/** A share folder under which API callers of one tenant (and, when set, of some groups) may register sources. */
export interface SourceRoot {
  /** Tenant whose callers may register folders under it. */
  tenant: string;
  /** Absolute folder, as configured. */
  path: string;
  /** Groups whose members may register under it (empty: any caller of the tenant); their documents default to these groups. */
  groups: string[];
}

/**
 * One SOURCE_ROOTS entry: `tenant:/path`, `tenant:/path#g1+g2`, or a plain `/path` (tenant default),
 * or the problem with it.
 */
export function parseSourceRoot(entry: string): SourceRoot | string {
  const m = /^(?:([^:/]+):)?(\/[^#]*?)(?:#(.*))?$/.exec(entry);
  if (!m) return `"${entry}" is not tenant:/absolute/folder`;
  const [, tenant = DEFAULT_TENANT, path = "", groupList] = m;
  const groups = groupList === undefined ? [] : groupList.split("+").filter(Boolean);
  const bad = [tenant, ...groups].find((n) => !isName(n));
  if (bad !== undefined)
    return `"${bad}" in "${entry}" is not a tenant or group name (letters, digits, _ . -)`;
  if (groupList !== undefined && groups.length === 0) return `"${entry}" names no group after #`;
  return { tenant, path: path.replace(/(.)\/+$/, "$1"), groups };
}

export const ConfigSchema = z.object({
  REDIS_URL: setting(
    z.url({ protocol: /^rediss?$/ }).default("redis://127.0.0.1:6379"),
    "Redis that holds the job queues.",
    "set it to a redis:// URL, e.g. REDIS_URL=redis://127.0.0.1:6379",
  ),
  DATA_DIR: setting(
    z
      .string()
      .min(1)
      // Until object storage is supported, "s3://bucket/data" must not quietly become a local folder "s3:".
      .refine((v) => !URI_PATTERN.test(v), "object storage (a URI) is not supported yet")
      .default("./data"),
    "Folder of the audit trail, tenant settings, webhooks and uploads in progress, of the LanceDB store (documents, chunks, API keys) unless STORE_URI says otherwise, and of uploaded files unless FILES_URI or an s3:// STORE_URI says otherwise.",
    "set it to a writable folder, e.g. DATA_DIR=./data (a local disk or a mounted share; s3:// and other URIs are not supported yet: put the store there with STORE_URI)",
  ),
  STORE_URI: setting(
    folderOrS3Uri.optional(),
    "Where the LanceDB store (documents and chunks) lives: a folder, or s3://bucket/prefix on S3 or S3-compatible storage (reached with the AWS_ settings below). Unset: DATA_DIR/lancedb.",
    "set it to a folder, e.g. STORE_URI=/srv/cited/lancedb, or to s3://bucket/prefix, e.g. STORE_URI=s3://cited/store",
  ),
  FILES_URI: setting(
    folderOrS3Uri.optional(),
    "Where Cited keeps its copies of uploaded files and e-mail attachments: a folder, or s3://bucket/prefix (then a worker on any host fetches what it ingests, with no shared folder). Unset: STORE_URI/files when STORE_URI is on S3, else DATA_DIR/files.",
    "set it to a folder, e.g. FILES_URI=/srv/cited/files, or to s3://bucket/prefix, e.g. FILES_URI=s3://cited/files",
  ),
  AWS_ENDPOINT_URL: setting(
    endpointUrl.optional(),
    "Endpoint of S3-compatible storage for an s3:// STORE_URI (e.g. http://127.0.0.1:9000); unset: AWS S3. An http:// endpoint is allowed.",
    "set it to the storage's URL, e.g. AWS_ENDPOINT_URL=https://minio.example.com:9000, or unset it for AWS S3",
  ),
  AWS_ENDPOINT_URL_S3: setting(
    endpointUrl.optional(),
    "Endpoint for S3 only; wins over AWS_ENDPOINT_URL.",
    "set it to the storage's URL, e.g. AWS_ENDPOINT_URL_S3=https://minio.example.com:9000, or unset it",
  ),
  AWS_REGION: setting(
    z.string().trim().min(1).optional(),
    "Region of the s3:// store's bucket (most S3-compatible stores want one, e.g. us-east-1).",
    "set it to the bucket's region, e.g. AWS_REGION=us-east-1",
  ),
  AWS_DEFAULT_REGION: setting(
    z.string().trim().min(1).optional(),
    "Region used when AWS_REGION is unset.",
    "set it to the bucket's region, e.g. AWS_DEFAULT_REGION=us-east-1",
  ),
  AWS_ACCESS_KEY_ID: setting(
    z.string().trim().min(1).optional(),
    "Access key of the s3:// store; unset: LanceDB finds credentials the AWS way (profile, instance role).",
    "set it to the access key id, with AWS_SECRET_ACCESS_KEY",
  ),
  AWS_SECRET_ACCESS_KEY: setting(
    z.string().min(1).optional(),
    "Secret of AWS_ACCESS_KEY_ID.",
    "set it to the secret of AWS_ACCESS_KEY_ID",
  ),
  AWS_SESSION_TOKEN: setting(
    z.string().min(1).optional(),
    "Session token of temporary credentials (with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).",
    "set it to the session token of the temporary credentials, or unset it",
  ),
  MODELS_DIR: setting(
    z.string().min(1).default("./models"),
    "Folder where `npm run models` puts GGUF weights.",
    "set it to a folder, e.g. MODELS_DIR=./models, then run `npm run models`",
  ),
  EMBED_MODEL: setting(
    ModelRef.default("all-minilm-l6-v2"),
    "Embedding model: catalog id, .gguf path or hf: URI.",
    "use a catalog id such as all-minilm-l6-v2, a .gguf path, or an hf:<user>/<repo>/<file>.gguf URI",
  ),
  CHAT_MODEL: setting(
    ModelRef.default("qwen2.5-coder-0.5b-instruct"),
    "Chat model that writes answers: catalog id, .gguf path or hf: URI.",
    "use a catalog id such as qwen2.5-coder-0.5b-instruct, a .gguf path, or an hf:<user>/<repo>/<file>.gguf URI",
  ),
  JUDGE_MODEL: setting(
    ModelRef.default("qwen2.5-coder-1.5b-instruct"),
    'Model that checks whether the cited words answer the question (abstention); "none" turns the check off.',
    "use a catalog id such as qwen2.5-coder-1.5b-instruct, a .gguf path, an hf: URI, or none",
  ),
  SUPPORT_THRESHOLD: setting(
    z.coerce.number().min(0).max(1).default(0.5),
    "Least judged probability that the cited words answer the question; below it Cited abstains.",
    "set it to a number from 0 to 1, e.g. SUPPORT_THRESHOLD=0.5",
  ),
  ANSWER_STYLE: setting(
    z.enum(["written", "extractive"]).default("written"),
    'How answers are worded: "written" (a short answer in the chat model\'s words, shown only when every word of substance is in the cited sentences, else the sentences themselves) or "extractive" (the cited sentences verbatim).',
    "set it to written or extractive",
  ),
  HOST: setting(
    z.string().min(1).default("127.0.0.1"),
    "Address the API listens on.",
    "set it to an interface address, e.g. HOST=127.0.0.1 (this machine only) or HOST=0.0.0.0",
  ),
  PORT: setting(
    port.default(8080),
    "TCP port of the API.",
    "set it to a whole number from 1 to 65535, e.g. PORT=8080",
  ),
  UPLOAD_MAX_BYTES: setting(
    positiveInt.default(100 * 1024 * 1024),
    "Largest file accepted, in bytes.",
    "set it to a whole number of bytes, e.g. UPLOAD_MAX_BYTES=104857600 (100 MB)",
  ),
  MAX_PAGES: setting(
    positiveInt.default(5000),
    "Most pages a document may have; longer ones are refused.",
    "set it to a whole number of pages, e.g. MAX_PAGES=5000",
  ),
  MAX_EXPANDED_BYTES: setting(
    positiveInt.default(512 * 1024 * 1024),
    "Most bytes a DOCX/XLSX may expand to when unzipped (decompression-bomb guard).",
    "set it to a whole number of bytes, e.g. MAX_EXPANDED_BYTES=536870912",
  ),
  OCR_LANGUAGES: setting(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_]+(\+[A-Za-z0-9_]+)*$/, "use Tesseract language codes joined by +")
      .default(DEFAULT_OCR_LANGUAGES),
    "Languages OCR reads scans in, as Tesseract codes joined by + (each needs its Debian package tesseract-ocr-<code>).",
    "list Tesseract language codes joined by +, e.g. OCR_LANGUAGES=eng+spa (see `tesseract --list-langs`)",
  ),
  OFFICE_CONVERTER: setting(
    z.string().trim().min(1).default(DEFAULT_OFFICE_CONVERTER),
    "LibreOffice program that lays Word, RTF, OpenDocument and PowerPoint files out as PDF, so citations give the printed page; where it is missing they are read without layout (pages approximate).",
    "set it to the LibreOffice program, e.g. OFFICE_CONVERTER=soffice or OFFICE_CONVERTER=/usr/bin/soffice",
  ),
  OFFICE_CONVERT_TIMEOUT_MS: setting(
    positiveInt.min(1000).default(DEFAULT_OFFICE_CONVERT_TIMEOUT_MS),
    "Longest time one office file may take to convert to PDF, in milliseconds; then LibreOffice is stopped and the file is read without layout.",
    "set it to a whole number of milliseconds, at least 1000, e.g. OFFICE_CONVERT_TIMEOUT_MS=120000",
  ),
  MAX_ATTACHMENTS: setting(
    z.coerce.number().int().min(0).max(10_000).default(100),
    "Most attachments of one e-mail (.eml, .msg) that become documents; the rest are listed in the message's notes.",
    "set it to a whole number from 0 to 10000, e.g. MAX_ATTACHMENTS=100",
  ),
  MAX_ATTACHMENT_DEPTH: setting(
    z.coerce.number().int().min(0).max(20).default(3),
    "How deep attachments are followed: 1 reads a message's attachments, 2 also those of a message attached to it, and so on; 0 reads none.",
    "set it to a whole number from 0 to 20, e.g. MAX_ATTACHMENT_DEPTH=3",
  ),
  CHUNK_TOKENS: setting(
    positiveInt.min(32).max(2048).default(160),
    "Size a chunk aims for, in embedding-model tokens (never more than the model takes).",
    "set it to a whole number from 32 to 2048, e.g. CHUNK_TOKENS=160",
  ),
  WORKER_CONCURRENCY: setting(
    positiveInt.max(64).default(2),
    "Files one worker process ingests at the same time.",
    "set it to a whole number from 1 to 64, e.g. WORKER_CONCURRENCY=2",
  ),
  WORKER_LOCK_MS: setting(
    positiveInt.min(1000).default(30_000),
    "How long a worker holds a job without renewing its lock before another worker takes it over (after a crash).",
    "set it to a whole number of milliseconds, at least 1000, e.g. WORKER_LOCK_MS=30000",
  ),
  WORKER_METRICS_PORT: setting(
    z.coerce.number().int().min(0).max(65535).default(9464),
    "TCP port of a worker's own /metrics and /healthz; 0 turns them off. Several workers on one host each need their own.",
    "set it to a free port from 1 to 65535, e.g. WORKER_METRICS_PORT=9465, or 0 for none",
  ),
  WORKER_METRICS_HOST: setting(
    z.string().min(1).default("127.0.0.1"),
    "Address a worker's /metrics and /healthz listen on.",
    "set it to an interface address, e.g. WORKER_METRICS_HOST=127.0.0.1 (this machine only) or WORKER_METRICS_HOST=0.0.0.0",
  ),
  QUEUE_PREFIX: setting(
    z
      .string()
      .regex(/^[\w-]{1,40}$/, "use letters, digits, _ and -")
      .default("cited"),
    "Prefix of Cited's keys in Redis, so several installations can share one Redis.",
    "set it to a short name of letters, digits, _ and -, e.g. QUEUE_PREFIX=cited",
  ),
  LLAMA_THREADS: setting(
    z.coerce.number().int().min(0).max(256).default(0),
    "CPU threads for the models; 0 uses every core.",
    "set it to a whole number, 0 for all cores",
  ),
  LLAMA_GPU: setting(
    z.enum(["auto", "cuda", "vulkan", "off"]).default("auto"),
    'Compute backend of the models: "auto" uses a CUDA or Vulkan GPU when one loads, else the CPU (the backend is logged at start); "cuda" or "vulkan" refuse to start without that GPU; "off" is the CPU only.',
    "use one of auto, cuda, vulkan, off, e.g. LLAMA_GPU=off for the CPU only",
  ),
  CHAT_CONTEXT_TOKENS: setting(
    positiveInt.min(512).max(131072).default(4096),
    "Context window of each answer sequence, in tokens.",
    "set it to a whole number of tokens from 512 up to what the chat model supports, e.g. 4096",
  ),
  GENERATION_PARALLEL: setting(
    positiveInt.max(16).default(1),
    "Answers generated at the same time (model sequences).",
    "set it to a whole number from 1 to 16, e.g. GENERATION_PARALLEL=1",
  ),
  GENERATION_QUEUE: setting(
    z.coerce.number().int().min(0).max(1000).default(8),
    "Questions that may wait for a free sequence before new ones get 429.",
    "set it to a whole number from 0 to 1000, e.g. GENERATION_QUEUE=8",
  ),
  ASK_TIMEOUT_MS: setting(
    positiveInt.default(120_000),
    "Longest time one answer may take, queueing included, in milliseconds.",
    "set it to a whole number of milliseconds, e.g. ASK_TIMEOUT_MS=120000",
  ),
  RATE_LIMIT_PER_MINUTE: setting(
    z.coerce.number().int().min(0).max(1_000_000).default(600),
    "Requests one API key may make per minute, across all API processes on the same Redis and QUEUE_PREFIX (token bucket, also the burst); beyond it 429 with Retry-After. 0 turns it off.",
    "set it to a whole number of requests, e.g. RATE_LIMIT_PER_MINUTE=600, or 0 for no limit",
  ),
  LOG_LEVEL: setting(
    z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    "How much the processes log.",
    "use one of fatal, error, warn, info, debug, trace, silent",
  ),
  SOURCE_ROOTS: setting(
    z
      .string()
      .default("")
      .transform((v, ctx) => {
        const roots: SourceRoot[] = [];
        for (const entry of v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)) {
          const root = parseSourceRoot(entry);
          if (typeof root === "string") ctx.addIssue({ code: "custom", message: root });
          else roots.push(root);
        }
        return roots;
      }),
    'Share folders API callers may register sources under, each owned by a tenant (and optionally groups): "tenant:/path" or "tenant:/path#group1+group2", comma-separated; a plain "/path" belongs to tenant default. Empty: only in OPEN_MODE. The CLI is not limited.',
    "list tenant:folder pairs, e.g. SOURCE_ROOTS=legal:/srv/shares/legal,acme:/srv/shares/acme#finance",
  ),
  SYNC_MAX_DELETE_RATIO: setting(
    z.coerce.number().min(0).max(1).default(0.2),
    "Largest share of a source's documents one sync may remove (and none when the folder is empty) unless the sync is started with allow_mass_delete; 1 turns the check off.",
    "set it to a number from 0 to 1, e.g. SYNC_MAX_DELETE_RATIO=0.2",
  ),
  KEEP_TEXT_OF_FAILED_VERSIONS: setting(
    bool.default(false),
    "Keep a synced file's older text searchable when its newer version fails to be read (off: the older text leaves search).",
    "set it to true or false",
  ),
  UPLOAD_MAX_FILES: setting(
    positiveInt.max(10_000).default(1000),
    "Most files in one upload request.",
    "set it to a whole number from 1 to 10000, e.g. UPLOAD_MAX_FILES=1000",
  ),
  UPLOAD_MAX_REQUEST_BYTES: setting(
    positiveInt.default(1024 * 1024 * 1024),
    "Most bytes of one upload request, all its files together.",
    "set it to a whole number of bytes, e.g. UPLOAD_MAX_REQUEST_BYTES=1073741824 (1 GB)",
  ),
  AUDIT_KEY: setting(
    z.string().min(32, "use at least 32 characters").optional(),
    "Secret key that anchors the audit trail (HMAC); prefer AUDIT_KEY_FILE. Required without OPEN_MODE (one of the two).",
    "set it to 32 or more random characters, e.g. AUDIT_KEY=$(openssl rand -hex 32), or use AUDIT_KEY_FILE",
  ),
  AUDIT_KEY_FILE: setting(
    z
      .string()
      .refine((p) => p.startsWith("/"), "must be an absolute path")
      .optional(),
    "File holding the audit trail's key, outside DATA_DIR (create it with `npm run cited -- audit new-key FILE`). In OPEN_MODE without a key, ~/.config/cited/audit.key is made at first start.",
    "set it to an absolute path outside DATA_DIR, e.g. AUDIT_KEY_FILE=/etc/cited/audit.key, made by `npm run cited -- audit new-key /etc/cited/audit.key`",
  ),
  WEBHOOK_ALLOW_PRIVATE: setting(
    bool.default(false),
    "Let webhooks reach loopback, private and link-local addresses (off: refused, against SSRF; turn on only for receivers on your own network).",
    "set it to true or false",
  ),
  WEBHOOK_MAX_ATTEMPTS: setting(
    positiveInt.max(20).default(6),
    "Attempts of one webhook delivery before it counts as failed (retried with exponential backoff).",
    "set it to a whole number from 1 to 20, e.g. WEBHOOK_MAX_ATTEMPTS=6",
  ),
  WEBHOOK_BACKOFF_MS: setting(
    positiveInt.default(10_000),
    "Wait before the second attempt of a webhook delivery, in milliseconds; it doubles with each attempt.",
    "set it to a whole number of milliseconds, e.g. WEBHOOK_BACKOFF_MS=10000",
  ),
  WEBHOOK_TIMEOUT_MS: setting(
    positiveInt.min(100).default(10_000),
    "Longest a webhook receiver may take to answer one attempt, in milliseconds.",
    "set it to a whole number of milliseconds, at least 100, e.g. WEBHOOK_TIMEOUT_MS=10000",
  ),
  WEBHOOK_DISABLE_AFTER: setting(
    positiveInt.max(1000).default(5),
    "Deliveries in a row that fail (after all their attempts) before a webhook is disabled.",
    "set it to a whole number from 1 to 1000, e.g. WEBHOOK_DISABLE_AFTER=5",
  ),
  OPEN_MODE: setting(
    bool.default(false),
    "Single-user mode without API keys (refused unless HOST is a loopback address).",
    "set OPEN_MODE=true only on a laptop with HOST=127.0.0.1, or leave it false and create API keys",
  ),
});

/** Validated configuration, as every process sees it. */
export type Config = z.infer<typeof ConfigSchema>;
/** Names of the settings, which are also the environment variables. */
export type ConfigKey = keyof Config;

/** Documentation of one setting, derived from the schema (README table, error messages). */
export function describeSetting(key: ConfigKey): { doc: string; fix: string } {
  const meta = ConfigSchema.shape[key].meta() as { description?: string; fix?: string } | undefined;
  return { doc: meta?.description ?? "", fix: meta?.fix ?? "" };
}
