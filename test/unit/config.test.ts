import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { auditKey, writeNewAuditKey } from "../../src/config/audit-key.js";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { originalsUri, storeLocation } from "../../src/store/location.js";
import { FolderOriginals, parseS3Uri } from "../../src/store/originals.js";

const bad = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error(`config ${JSON.stringify(env)} was accepted`);
};

describe("configuration", () => {
  test("defaults load and folders become absolute", () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(config.DATA_DIR.startsWith("/")).toBe(true);
    expect(config.EMBED_MODEL).toBe("all-minilm-l6-v2");
    expect(config.SOURCE_ROOTS).toEqual([]);
  });

  test("good values are taken from the environment", () => {
    const config = loadConfig({
      PORT: "9090",
      HOST: "0.0.0.0",
      WORKER_CONCURRENCY: "3",
      SOURCE_ROOTS: "/srv/shares/public, legal:/srv/shares/legal/, acme:/srv/acme#finance+board",
      OPEN_MODE: "yes",
    });
    expect(config).toMatchObject({
      PORT: 9090,
      HOST: "0.0.0.0",
      WORKER_CONCURRENCY: 3,
      // A plain folder belongs to tenant default; a share may belong to some groups of its tenant.
      SOURCE_ROOTS: [
        { tenant: "default", path: "/srv/shares/public", groups: [] },
        { tenant: "legal", path: "/srv/shares/legal", groups: [] },
        { tenant: "acme", path: "/srv/acme", groups: ["finance", "board"] },
      ],
      OPEN_MODE: true,
    });
  });

  test.each([
    [{ PORT: "abc" }, "PORT", /set it to a whole number from 1 to 65535/],
    [{ SOURCE_ROOTS: "shares/legal" }, "SOURCE_ROOTS", /list tenant:folder pairs/],
    [{ SOURCE_ROOTS: "legal:/srv/x#" }, "SOURCE_ROOTS", /names no group/],
    [{ SOURCE_ROOTS: "le gal:/srv/x" }, "SOURCE_ROOTS", /not a tenant or group name/],
    [{ PORT: "70000" }, "PORT", /PORT is not valid \(got "70000"\)/],
    [{ REDIS_URL: "http://localhost:6379" }, "REDIS_URL", /redis:\/\/ URL/],
    [{ WORKER_CONCURRENCY: "0" }, "WORKER_CONCURRENCY", /from 1 to 64/],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL", /one of fatal, error/],
    [{ EMBED_MODEL: "my model" }, "EMBED_MODEL", /must not contain spaces/],
    [{ OPEN_MODE: "maybe" }, "OPEN_MODE", /OPEN_MODE=true only on a laptop/],
    [{ UPLOAD_MAX_BYTES: "-5" }, "UPLOAD_MAX_BYTES", /whole number of bytes/],
    [{ DATA_DIR: "s3://bucket/data" }, "DATA_DIR", /s3:\/\/ and other URIs are not supported yet/],
    [{ STORE_URI: "gs://bucket/store" }, "STORE_URI", /the only URI supported is s3:\/\/bucket\/prefix/],
    [{ STORE_URI: "s3+ddb://bucket/store?ddbTableName=t" }, "STORE_URI", /only URI supported is s3:/],
    [{ STORE_URI: "s3://B_ucket/store" }, "STORE_URI", /e\.g\. STORE_URI=s3:\/\/cited\/store/],
    [{ AWS_ENDPOINT_URL: "minio:9000" }, "AWS_ENDPOINT_URL", /set it to the storage's URL/],
    [{ FILES_URI: "gs://bucket/files" }, "FILES_URI", /e\.g\. FILES_URI=s3:\/\/cited\/files/],
  ])("%j is refused with one line naming %s and the fix", (env, variable, message) => {
    const error = bad(env as Record<string, string>);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(new RegExp(`^${variable}`));
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("\n");
  });

  test("the store lives in DATA_DIR/lancedb unless STORE_URI names a folder or an s3:// prefix reached with the AWS settings", () => {
    const dataDir = loadConfig({}).DATA_DIR;
    expect(storeLocation(loadConfig({}))).toEqual({ uri: join(dataDir, "lancedb"), storageOptions: {} });
    expect(storeLocation(loadConfig({ STORE_URI: "store" }))).toEqual({
      uri: join(process.cwd(), "store"),
      storageOptions: {},
    });
    const aws = { AWS_REGION: "eu-west-3", AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "secret" };
    expect(storeLocation(loadConfig({ STORE_URI: "s3://cited/store", ...aws }))).toEqual({
      uri: "s3://cited/store",
      storageOptions: { region: "eu-west-3", access_key_id: "AKID", secret_access_key: "secret" },
    });
    const minio = storeLocation(
      loadConfig({
        STORE_URI: "s3://cited",
        AWS_ENDPOINT_URL: "https://s3.example.com",
        AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9000",
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_SESSION_TOKEN: "token",
      }),
    );
    // The S3-specific endpoint wins; plain HTTP is allowed for it.
    expect(minio.storageOptions).toEqual({
      endpoint: "http://127.0.0.1:9000",
      region: "us-east-1",
      session_token: "token",
      allow_http: "true",
    });
  });

  test("uploaded files are kept in DATA_DIR/files, beside an s3:// store, or where FILES_URI says", () => {
    const dataDir = loadConfig({}).DATA_DIR;
    expect(originalsUri(loadConfig({}))).toBe(join(dataDir, "files"));
    expect(originalsUri(loadConfig({ STORE_URI: "/srv/store" }))).toBe(join(dataDir, "files"));
    expect(originalsUri(loadConfig({ STORE_URI: "s3://cited/store/" }))).toBe("s3://cited/store/files");
    expect(originalsUri(loadConfig({ STORE_URI: "s3://cited/store", FILES_URI: "s3://other/up" }))).toBe(
      "s3://other/up",
    );
    expect(originalsUri(loadConfig({ FILES_URI: "files" }))).toBe(join(process.cwd(), "files"));
    expect(parseS3Uri("s3://cited/store/files/")).toEqual({ bucket: "cited", prefix: "store/files" });
    expect(parseS3Uri("s3://cited")).toEqual({ bucket: "cited", prefix: "" });
  });

  test("a folder of originals removes only its own copies, never a synced folder's file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cited-originals-"));
    const originals = new FolderOriginals(join(dir, "files"));
    const upload = join(dir, "upload.tmp");
    writeFileSync(upload, "the contract");
    const kept = await originals.keep("doc_1", upload);
    expect(kept).toBe(join(dir, "files", "doc_1"));
    expect(existsSync(upload)).toBe(false);
    expect(await originals.localPath(kept)).toBe(kept);
    const synced = join(dir, "share.txt");
    writeFileSync(synced, "a share's own file");
    // A sibling folder whose name starts like the originals' is not theirs either.
    const lookalike = join(dir, "files-old");
    writeFileSync(lookalike, "not a copy");
    expect([originals.holds(kept), originals.holds(synced), originals.holds(lookalike)]).toEqual([
      true,
      false,
      false,
    ]);
    await originals.remove(synced);
    await originals.remove(lookalike);
    await originals.remove(kept);
    expect([existsSync(kept), existsSync(synced), existsSync(lookalike)]).toEqual([false, true, true]);
    await expect(originals.localPath("s3://cited/store/files/doc_2")).rejects.toThrow(/same FILES_URI/);
  });

  test("a JSON config file is read, and the environment wins over it", () => {
    const dir = mkdtempSync(join(tmpdir(), "cited-config-"));
    const file = join(dir, "cited.json");
    writeFileSync(file, JSON.stringify({ PORT: 7000, HOST: "10.0.0.5" }));
    expect(loadConfig({ CITED_CONFIG: file })).toMatchObject({ PORT: 7000, HOST: "10.0.0.5" });
    expect(loadConfig({ CITED_CONFIG: file, PORT: "7001" }).PORT).toBe(7001);
    writeFileSync(file, JSON.stringify({ PORTT: 7000 }));
    expect(bad({ CITED_CONFIG: file }).message).toMatch(/PORTT: not a Cited setting/);
    writeFileSync(file, "{ not json");
    expect(bad({ CITED_CONFIG: file }).message).toMatch(/not a JSON object/);
    expect(bad({ CITED_CONFIG: join(dir, "missing.json") }).message).toMatch(/cannot read the config file/);
  });

  test("the audit key: required without OPEN_MODE, never inside DATA_DIR, at least 32 characters", () => {
    const dir = mkdtempSync(join(tmpdir(), "cited-config-"));
    const base = { DATA_DIR: join(dir, "data") };
    expect(() => auditKey(loadConfig(base))).toThrow(/AUDIT_KEY_FILE is missing/);
    expect(auditKey(loadConfig({ ...base, AUDIT_KEY: "k".repeat(32) })).toString()).toBe("k".repeat(32));
    expect(bad({ ...base, AUDIT_KEY: "short" }).message).toMatch(/^AUDIT_KEY .*at least 32/);
    const inside = join(dir, "data", "audit.key");
    expect(() => writeNewAuditKey(inside, base.DATA_DIR)).toThrow(/inside DATA_DIR/);
    expect(() => auditKey(loadConfig({ ...base, AUDIT_KEY_FILE: inside }))).toThrow(/inside DATA_DIR/);
    const outside = join(dir, "etc", "audit.key");
    writeNewAuditKey(outside, base.DATA_DIR);
    expect(() => writeNewAuditKey(outside, base.DATA_DIR)).toThrow(/EEXIST/);
    expect(auditKey(loadConfig({ ...base, AUDIT_KEY_FILE: outside })).length).toBe(64);
  });
});
