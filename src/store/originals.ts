// Cited's own copies of uploaded files and e-mail attachments: in a folder (DATA_DIR/files by default)
// or under an s3:// prefix, so that a worker on another host needs no shared folder. A copy on object
// storage is fetched into a local cache to be read; a copy never changes (a new upload is a new id).
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Config } from "../../schemas/config.js";
import { isObjectUri, originalsUri, type S3Settings, s3Settings } from "./location.js";

/** Where documents' original files are kept, and how a process on this machine reads one. */
export interface Originals {
  /** Folder or s3://bucket/prefix of the copies. */
  readonly uri: string;
  /** Move the file at `localPath` in as document `id`; returns the document's `file_path`. */
  keep(id: string, localPath: string): Promise<string>;
  /** Write `bytes` in as document `id`; returns the document's `file_path`. */
  keepBytes(id: string, bytes: Uint8Array): Promise<string>;
  /** Whether `filePath` is one of these copies (a synced file is its folder's, never removed here). */
  holds(filePath: string): boolean;
  /** A path on this machine to read `filePath` at: itself for a file here, the cached copy of an object. */
  localPath(filePath: string): Promise<string>;
  /** Drop this machine's cached copy of `filePath` (after ingesting it); nothing for a folder. */
  release(filePath: string): Promise<void>;
  /** Remove the copy; a copy already gone is not an error. */
  remove(filePath: string): Promise<void>;
}

/** Copies in a folder (DATA_DIR/files): the file_path is the copy's own path. */
export class FolderOriginals implements Originals {
  readonly uri: string;
  constructor(folder: string) {
    this.uri = resolve(folder);
  }

  async keep(id: string, localPath: string): Promise<string> {
    await mkdir(this.uri, { recursive: true });
    const stored = join(this.uri, id);
    await rename(localPath, stored);
    return stored;
  }

  async keepBytes(id: string, bytes: Uint8Array): Promise<string> {
    await mkdir(this.uri, { recursive: true });
    const stored = join(this.uri, id);
    await writeFile(`${stored}.part`, bytes);
    await rename(`${stored}.part`, stored);
    return stored;
  }

  holds(filePath: string): boolean {
    return filePath.startsWith(this.uri + sep);
  }

  async localPath(filePath: string): Promise<string> {
    if (isObjectUri(filePath)) throw elsewhere(filePath);
    return filePath;
  }

  async release(): Promise<void> {}

  async remove(filePath: string): Promise<void> {
    if (this.holds(filePath)) await rm(filePath, { force: true });
  }
}

/**
 * Copies as objects under s3://bucket/prefix (the same S3 settings as the store), fetched on demand
 * into `cacheDir`. Objects are written whole by one PUT, so a reader sees all of a copy or none.
 */
export class ObjectOriginals implements Originals {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(
    readonly uri: string,
    settings: S3Settings,
    private readonly cacheDir: string,
  ) {
    const { bucket, prefix } = parseS3Uri(uri);
    this.bucket = bucket;
    this.prefix = prefix;
    this.client = s3ClientOf(settings);
  }

  private key(id: string): string {
    return this.prefix ? `${this.prefix}/${id}` : id;
  }

  private pathOf(id: string): string {
    return `s3://${this.bucket}/${this.key(id)}`;
  }

  /** The document id an object path of these copies ends in. */
  private idOf(filePath: string): string {
    return filePath.slice(this.pathOf("").length);
  }

  async keep(id: string, localPath: string): Promise<string> {
    const { size } = await stat(localPath);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(id),
        Body: createReadStream(localPath),
        ContentLength: size,
      }),
    );
    await rm(localPath, { force: true });
    return this.pathOf(id);
  }

  async keepBytes(id: string, bytes: Uint8Array): Promise<string> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(id), Body: bytes }));
    return this.pathOf(id);
  }

  holds(filePath: string): boolean {
    return filePath.startsWith(this.pathOf("")) && !this.idOf(filePath).includes("/");
  }

  async localPath(filePath: string): Promise<string> {
    if (!this.holds(filePath)) {
      if (isObjectUri(filePath)) throw elsewhere(filePath);
      return filePath; // a synced folder's file, read where it lies
    }
    const cached = join(this.cacheDir, this.idOf(filePath));
    if (await exists(cached)) return cached;
    await mkdir(this.cacheDir, { recursive: true });
    const part = `${cached}.${randomBytes(6).toString("hex")}.part`;
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(this.idOf(filePath)) }),
      );
      await pipeline(object.Body as Readable, createWriteStream(part));
      await rename(part, cached);
    } catch (error) {
      await rm(part, { force: true });
      if ((error as { name?: string }).name === "NoSuchKey") throw gone(filePath);
      throw error;
    }
    return cached;
  }

  async release(filePath: string): Promise<void> {
    if (this.holds(filePath)) await rm(join(this.cacheDir, this.idOf(filePath)), { force: true });
  }

  async remove(filePath: string): Promise<void> {
    if (!this.holds(filePath)) return;
    await this.client.send(
      new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(this.idOf(filePath)) }),
    );
    await this.release(filePath);
  }
}

/** The configured originals (FILES_URI, see originalsUri); objects are cached in DATA_DIR/cache/files. */
export function originalsOf(config: Config): Originals {
  const uri = originalsUri(config);
  return isObjectUri(uri)
    ? new ObjectOriginals(uri, s3Settings(config), join(config.DATA_DIR, "cache", "files"))
    : new FolderOriginals(uri);
}

/** Bucket and key prefix (no trailing slash) of s3://bucket/prefix. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`${uri} is not an s3://bucket/prefix URI`);
  return { bucket: match[1]!, prefix: match[2]!.replace(/\/+$/, "") };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The copy's object is gone: read as a missing file (ENOENT), as a deleted local copy would be. */
function gone(filePath: string): Error {
  return Object.assign(new Error(`${filePath} does not exist`), { code: "ENOENT" });
}

/** A copy on object storage this process was not configured to reach. */
function elsewhere(filePath: string): Error {
  return new Error(
    `${filePath} is on object storage this process does not use: give it the same FILES_URI (or STORE_URI) as the API`,
  );
}

/** An S3 client for the settings (the same endpoint, region and credentials as the store). */
export function s3ClientOf(settings: S3Settings): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region ?? "us-east-1",
    // S3-compatible servers (MinIO, moto, Ceph) address buckets by path, not by host name.
    forcePathStyle: settings.endpoint !== undefined,
    ...(settings.accessKeyId && settings.secretAccessKey
      ? {
          credentials: {
            accessKeyId: settings.accessKeyId,
            secretAccessKey: settings.secretAccessKey,
            sessionToken: settings.sessionToken,
          },
        }
      : {}),
  });
}
