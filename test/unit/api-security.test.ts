// The HTTP layer's guards, on the real Express app with stand-in data: keys and roles (401/403),
// security headers, per-key rate limits, and error bodies that never carry stacks or paths.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Router } from "express";
import { buildOpenApiDocument } from "../../schemas/openapi.js";
import { AuditLog, readAudit, verifyAuditFile } from "../../src/access/audit.js";
import { KeyStore } from "../../src/access/keys.js";
import { accessScope, canRead, scopeFilter, sourceAcl } from "../../src/access/scope.js";
import type { Answerer } from "../../src/answer/answerer.js";
import { type AppParts, createApp } from "../../src/api/app.js";
import { auditRecorder, refusalRecorder } from "../../src/api/audit.js";
import { authenticator } from "../../src/api/auth.js";
import { withoutPaths } from "../../src/api/errors.js";
import type { McpDeps } from "../../src/api/mcp.js";
import type { RateLimiter } from "../../src/api/rate-limit.js";
import { answerRoutes } from "../../src/api/routes/answers.js";
import { chatRoutes } from "../../src/api/routes/chat.js";
import { documentRoutes } from "../../src/api/routes/documents.js";
import { jobRoutes } from "../../src/api/routes/jobs.js";
import { keyRoutes } from "../../src/api/routes/keys.js";
import { mcpRoutes } from "../../src/api/routes/mcp.js";
import { metricsRoutes } from "../../src/api/routes/metrics.js";
import { sourceRoutes } from "../../src/api/routes/sources.js";
import { type TenantRoutesDeps, tenantRoutes } from "../../src/api/routes/tenant.js";
import { UI_CONTENT_SECURITY_POLICY, uiRoutes } from "../../src/api/routes/ui.js";
import { type WebhookRoutesDeps, webhookRoutes } from "../../src/api/routes/webhooks.js";
import { createLogger } from "../../src/lib/logger.js";
import type { IngestQueue } from "../../src/queue/ingest-queue.js";
import type { HybridRetriever } from "../../src/retrieval/hybrid.js";
import { type DocumentRepository, localDocumentRow } from "../../src/store/documents.js";
import { FolderOriginals } from "../../src/store/originals.js";
import type { ChatService } from "../../src/usecases/chat/service.js";
import type { Intake } from "../../src/usecases/intake.js";
import type { SourceService } from "../../src/usecases/sync/sources.js";

/**
 * 20 requests for one key, none counted for the others: the HTTP side of rate limits. The token bucket
 * itself runs in Redis and is tested there (test/integration/rate-limit.test.ts).
 */
function budgetOf20For(limitedKeyId: string): RateLimiter {
  let used = 0;
  return {
    perMinute: 20,
    take: async (keyId) => (keyId === limitedKeyId && ++used > 20 ? 1 : null),
  };
}

const AUDIT_KEY = Buffer.from("the audit key of the API security tests (32+ characters)");
let dir: string;
let server: Server;
let base: string;
const key: Record<string, string> = {};
let keys: KeyStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cited-apisec-"));
  keys = new KeyStore(dir);
  for (const role of ["reader", "editor", "admin"] as const)
    key[role] = (await keys.create({ tenant: "t1", groups: ["g1"], role })).key;
  key.other = (await keys.create({ tenant: "t2", groups: ["g1"], role: "admin" })).key;
  key.limited = (await keys.create({ tenant: "t1", groups: ["g1"], role: "reader", label: "limited" })).key;
  const log = createLogger("test", "silent");
  const audit = auditRecorder(new AuditLog(join(dir, "audit.log"), AUDIT_KEY), log);
  const documents = {
    get: async () => null,
    list: async () => ({ items: [], total: 0 }),
    pages: async () => [],
    chunks: async () => [],
  } as unknown as DocumentRepository;
  const failing = Router();
  failing.get("/v1/explode", () => {
    throw new Error(`ENOENT: no such file or directory, open '${dir}/secret/file.pdf'`);
  });
  const app = createApp({
    log,
    publicRoutes: [uiRoutes()],
    authenticate: authenticator({ openMode: false, keys }),
    rateLimit: budgetOf20For((await keys.authenticate(key.limited!))!.keyId),
    routes: [
      documentRoutes({
        documents,
        intake: {} as Intake,
        uploadDir: join(dir, "uploads"),
        originals: new FolderOriginals(join(dir, "files")),
        maxBytes: 1024,
        audit,
      }),
      jobRoutes({ get: async () => null } as unknown as IngestQueue),
      answerRoutes({ retrieve: async () => [] } as unknown as HybridRetriever, {} as Answerer),
      keyRoutes(keys, audit),
      metricsRoutes(),
      failing,
    ],
  });
  server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const address = server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await keys.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (path: string, init: RequestInit & { as?: string } = {}) => {
  const headers = new Headers(init.headers);
  if (init.as) headers.set("authorization", `Bearer ${key[init.as]}`);
  return fetch(`${base}${path}`, { ...init, headers });
};

/** An error body: a code and a message, never a stack trace or a file-system path. */
async function expectCleanError(res: Response, status: number, code?: string) {
  expect(res.status).toBe(status);
  const text = await res.text();
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(Object.keys(body.error).sort()).toEqual(["code", "message"]);
  if (code) expect(body.error.code).toBe(code);
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\/work\/|\/tmp\/|cited-apisec|\.ts:\d+/);
  return body.error;
}

describe("keys and roles", () => {
  test("no key, a malformed key and a revoked key are 401", async () => {
    const none = await call("/v1/documents");
    expect(none.headers.get("www-authenticate")).toMatch(/Bearer/);
    await expectCleanError(none, 401, "missing_key");
    await expectCleanError(await call("/v1/documents", { headers: { authorization: "Bearer nope" } }), 401);
    const { key: revoked, info } = await keys.create({ tenant: "t1", groups: [], role: "admin" });
    await keys.revoke(info.id);
    await expectCleanError(
      await call("/v1/documents", { headers: { "x-api-key": revoked } }),
      401,
      "invalid_key",
    );
    // Bodies are not read before the key is checked.
    await expectCleanError(
      await call("/v1/search", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{",
      }),
      401,
    );
  });

  test("readers cannot upload or delete; only admins manage keys", async () => {
    const form = new FormData();
    form.append("files", new Blob(["hello"]), "a.txt");
    await expectCleanError(await call("/v1/documents", { method: "POST", body: form, as: "reader" }), 403);
    await expectCleanError(await call("/v1/documents/doc_1", { method: "DELETE", as: "reader" }), 403);
    for (const as of ["reader", "editor"]) {
      await expectCleanError(await call("/v1/keys", { as }), 403);
      await expectCleanError(
        await call("/v1/keys", {
          method: "POST",
          as,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ role: "admin" }),
        }),
        403,
      );
    }
  });

  test("an admin creates and revokes keys of its own tenant only, and both go to the audit trail", async () => {
    const res = await call("/v1/keys", {
      method: "POST",
      as: "admin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ role: "reader", groups: ["g2"], label: "new" }),
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { key: string; info: { id: string; tenant: string } };
    expect(created.info.tenant).toBe("t1");
    expect((await keys.authenticate(created.key))?.scope.tenant).toBe("t1");
    const list = (await (await call("/v1/keys", { as: "admin" })).json()) as { items: { tenant: string }[] };
    expect(list.items.every((k) => k.tenant === "t1")).toBe(true);
    expect(JSON.stringify(list)).not.toMatch(/hash/);

    // Another tenant's admin cannot see or revoke it: the same 404 as a key that does not exist.
    const foreign = await expectCleanError(
      await call(`/v1/keys/${created.info.id}`, { method: "DELETE", as: "other" }),
      404,
    );
    const missing = await expectCleanError(
      await call("/v1/keys/000000000000", { method: "DELETE", as: "other" }),
      404,
    );
    expect(foreign.message.replace(created.info.id, "ID")).toBe(
      missing.message.replace("000000000000", "ID"),
    );
    expect((await call(`/v1/keys/${created.info.id}`, { method: "DELETE", as: "admin" })).status).toBe(204);
    expect(await keys.authenticate(created.key)).toBeNull();

    await new Promise((r) => setTimeout(r, 200));
    const lines = readFileSync(join(dir, "audit.log"), "utf8").trim().split("\n");
    const events = lines.map(
      (l) => JSON.parse(l) as { event: string; subject: { id: string }; route: string },
    );
    expect(events.filter((e) => e.subject?.id === created.info.id).map((e) => [e.event, e.route])).toEqual([
      ["keys.create", "POST /v1/keys"],
      ["keys.revoke", "DELETE /v1/keys/:id"],
    ]);
    expect(verifyAuditFile(join(dir, "audit.log"), AUDIT_KEY).ok).toBe(true);
  });
});

describe("hostile requests get clean 4xx answers", () => {
  test("a JSON body over the limit is 413", async () => {
    const body = JSON.stringify({ query: "x".repeat(200_000) });
    await expectCleanError(
      await call("/v1/search", {
        method: "POST",
        as: "reader",
        headers: { "content-type": "application/json" },
        body,
      }),
      413,
    );
  });

  test("malformed JSON, unknown fields, wrong types are 400 and say what to fix", async () => {
    const post = (body: string) =>
      call("/v1/search", {
        method: "POST",
        as: "reader",
        headers: { "content-type": "application/json" },
        body,
      });
    await expectCleanError(await post('{"query": "a",'), 400, "invalid_json");
    const unknown = await expectCleanError(await post('{"query":"a","evil":1}'), 400, "invalid_request");
    expect(unknown.message).toMatch(/"evil"/);
    await expectCleanError(await post('{"query":"a","top_k":"all"}'), 400, "invalid_request");
    await expectCleanError(await post('{"query":"a","filters":{"document_ids":["../../etc/passwd"]}}'), 400);
    await expectCleanError(await post('{"query":"a","filters":{"tags":["x\'; DROP"]}}'), 400);
    await expectCleanError(await post("[1,2,3]"), 400);
    await expectCleanError(await post('"just a string"'), 400);
  });

  test("bad ids, pages and query parameters are 400", async () => {
    await expectCleanError(await call("/v1/documents/..%2F..%2Fetc%2Fpasswd", { as: "reader" }), 400);
    await expectCleanError(await call("/v1/documents/doc_1/pages/zero", { as: "reader" }), 400);
    await expectCleanError(await call("/v1/documents/doc_1/pages/0", { as: "reader" }), 400);
    await expectCleanError(await call("/v1/documents?limit=abc", { as: "reader" }), 400);
    await expectCleanError(await call("/v1/documents?sneaky=1", { as: "reader" }), 400);
    await expectCleanError(await call(`/v1/jobs/${"x".repeat(500)}`, { as: "reader" }), 400);
    await expectCleanError(await call("/v1/keys/zz", { method: "DELETE", as: "admin" }), 400);
  });

  test("malformed multipart bodies and oversized files are refused plainly", async () => {
    const multipart = (contentType: string, body: string) =>
      call("/v1/documents", { method: "POST", as: "editor", headers: { "content-type": contentType }, body });
    await expectCleanError(await multipart("multipart/form-data", "--x\r\n\r\nbroken"), 400);
    await expectCleanError(
      await multipart(
        "multipart/form-data; boundary=xyz",
        '--xyz\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\nhalf a file',
      ),
      400,
    );
    await expectCleanError(
      await multipart("multipart/form-data; boundary=xyz", "--xyz\r\ngarbage\r\n\r\n--xyz--"),
      400,
    );
    // A part without a field name (found by schemathesis: it was a 500).
    await expectCleanError(
      await multipart(
        "multipart/form-data; boundary=xyz",
        '--xyz\r\nContent-Disposition: form-data; name=""\r\n\r\nvalue\r\n--xyz--\r\n',
      ),
      400,
      "invalid_upload",
    );
    const form = new FormData();
    form.append("files", new Blob([new Uint8Array(4096)]), "big.txt");
    await expectCleanError(await call("/v1/documents", { method: "POST", body: form, as: "editor" }), 413);
    const other = new FormData();
    other.append("attachments", new Blob(["x"]), "a.txt");
    await expectCleanError(await call("/v1/documents", { method: "POST", body: other, as: "editor" }), 400);
  });

  test("an unexpected server error is a 500 without its message, stack or paths", async () => {
    const error = await expectCleanError(await call("/v1/explode", { as: "reader" }), 500, "internal_error");
    expect(error.message).not.toMatch(/ENOENT|secret/);
  });

  test("worker failure reasons lose their paths", () => {
    expect(withoutPaths("could not be processed (ENOENT: open '/var/lib/cited/files/doc_1'): retry")).toBe(
      "could not be processed (ENOENT: open '[path]'): retry",
    );
    expect(withoutPaths("EACCES C:\\data\\files\\x.pdf")).toBe("EACCES [path]");
    expect(withoutPaths("the file is 2.0 MB, over 1.0 MB: split it")).toBe(
      "the file is 2.0 MB, over 1.0 MB: split it",
    );
  });
});

describe("headers and limits", () => {
  test("API responses carry helmet's headers and a CSP that allows nothing", async () => {
    const res = await call("/v1/documents", { as: "reader" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-powered-by")).toBeNull();
  });

  test("the web UI keeps its own CSP", async () => {
    const res = await call("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe(UI_CONTENT_SECURITY_POLICY);
    expect(await res.text()).toMatch(/<html/i);
  });

  test("a key past its budget gets 429 with Retry-After; other keys are unaffected", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 25; i++) {
      const res = await call("/v1/documents", { as: "limited" });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get("retry-after");
        await expectCleanError(res, 429, "rate_limited");
      } else await res.text();
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await call("/v1/documents", { as: "reader" })).status).toBe(200);
  });
});

describe("metrics", () => {
  test("only admin keys read /metrics, which counts the 429s; without a key it is 401", async () => {
    await expectCleanError(await call("/metrics"), 401, "missing_key");
    await expectCleanError(await call("/metrics", { as: "editor" }), 403, "forbidden");
    let status = 0;
    for (let i = 0; i < 25 && status !== 429; i++)
      status = (await call("/v1/documents", { as: "limited" })).status;
    expect(status).toBe(429);
    const res = await call("/metrics", { as: "admin" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^# HELP cited_/m);
    // The key that went past its budget was counted.
    expect(text).toMatch(/^cited_rate_limited_total\{code="rate_limited"\} [1-9]/m);
  });
});

describe("OpenAPI document", () => {
  test("every route of the API is in /openapi.json, and every route but health needs a key", () => {
    const routers = [
      documentRoutes({
        documents: {} as DocumentRepository,
        intake: {} as Intake,
        uploadDir: join(dir, "uploads"),
        originals: new FolderOriginals(join(dir, "files")),
        maxBytes: 1,
      }),
      jobRoutes({} as IngestQueue),
      answerRoutes({} as HybridRetriever, {} as Answerer),
      keyRoutes(keys),
      sourceRoutes({} as SourceService),
      chatRoutes({} as ChatService, async () => undefined),
      mcpRoutes({} as Omit<McpDeps, "record">, async () => undefined),
      webhookRoutes({} as WebhookRoutesDeps),
      tenantRoutes({} as TenantRoutesDeps),
      metricsRoutes(),
    ];
    const routes = routers.flatMap((r) =>
      (r.stack as { route?: { path: string; methods: Record<string, boolean> } }[]).flatMap((layer) =>
        layer.route
          ? Object.keys(layer.route.methods).map(
              (m) => `${m} ${layer.route!.path.replace(/:(\w+)/g, "{$1}")}`,
            )
          : [],
      ),
    );
    const doc = buildOpenApiDocument("test") as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ route: `${method} ${path}`, op })),
    );
    expect(routes.length).toBeGreaterThan(15);
    for (const route of routes) expect(documented.map((d) => d.route)).toContain(route);
    for (const { route, op } of documented) {
      if (route === "get /healthz" || route === "get /readyz") continue;
      expect({ route, security: (op.security ?? []).length > 0 }).toEqual({ route, security: true });
    }
  });
});

describe("scope", () => {
  test("one rule for rows, jobs and sources", () => {
    const reader = accessScope("t1", ["g1"]);
    expect(scopeFilter(reader)).toBe("tenant = 't1' AND array_has_any(acl, ['g1', 'public'])");
    expect(canRead(reader, { tenant: "t1", acl: ["g1"] })).toBe(true);
    expect(canRead(reader, { tenant: "t1", acl: ["public"] })).toBe(true);
    expect(canRead(reader, { tenant: "t1", acl: ["g2"] })).toBe(false);
    expect(canRead(reader, { tenant: "t2", acl: ["g1"] })).toBe(false);
    expect(canRead(accessScope("t1", [], true), { tenant: "t1", acl: ["g9"] })).toBe(true);
    expect(canRead(accessScope("t1", [], true), { tenant: "t2", acl: ["public"] })).toBe(false);
    expect(() => scopeFilter(undefined as unknown as ReturnType<typeof accessScope>)).toThrow(/access scope/);
    expect(scopeFilter(accessScope("t'1", ["g' OR 1=1 --"]))).toBe(
      "tenant = 't''1' AND array_has_any(acl, ['g'' OR 1=1 --', 'public'])",
    );
  });

  test("a folder in a group's share is registered by its members, for its groups only", () => {
    const member = { role: "editor", scope: accessScope("t1", ["legal"]) };
    const outsider = { role: "editor", scope: accessScope("t1", ["sales"]) };
    const admin = { role: "admin", scope: accessScope("t1", []) };
    const share = ["legal", "board"];
    expect(sourceAcl(share, null, member)).toEqual({ acl: ["legal"] });
    expect(sourceAcl(share, null, admin)).toEqual({ acl: ["legal", "board"] });
    expect(sourceAcl(share, null, outsider)).toEqual({
      refused: "this share belongs to groups legal, board: only their members register folders in it",
    });
    expect(sourceAcl(share, ["sales"], member)).toEqual({
      refused: 'this share belongs to legal, board: its documents cannot be given to group "sales"',
    });
    expect(sourceAcl([], null, member)).toEqual({ acl: ["public"] });
    expect(sourceAcl([], ["legal"], member)).toEqual({ acl: ["legal"] });
    // The operator's command line names no registrar: the share's groups.
    expect(sourceAcl(share, null, undefined)).toEqual({ acl: ["legal", "board"] });
  });
});

// Issue 12 ------------------------------------------------------------------------------------

/** Serve an app built from `parts` on a free loopback port; its base URL and a stop function. */
async function serveApp(parts: Partial<AppParts> & Pick<AppParts, "routes">) {
  const log = createLogger("test", "silent");
  const app = createApp({
    log,
    publicRoutes: [],
    authenticate: authenticator({ openMode: false, keys }),
    ...parts,
  });
  const s = app.listen(0, "127.0.0.1");
  await new Promise((r) => s.once("listening", r));
  const url = `http://127.0.0.1:${(s.address() as { port: number }).port}`;
  return { url, port: (s.address() as { port: number }).port, stop: () => new Promise((r) => s.close(r)) };
}

/** A raw HTTP request (fetch cannot set Host, nor send part of a body and wait). */
function raw(
  url: string,
  options: { method?: string; path: string; headers: Record<string, string>; body?: string; end?: boolean },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${options.path}`, {
      method: options.method ?? "GET",
      headers: options.headers,
    });
    // A bounded wait: the answer is due before the body is complete, long before this.
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error("no answer while the body was still being sent"));
    }, 20_000);
    req.on("response", (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode!, body });
      });
    });
    req.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    if (options.body) req.write(options.body);
    if (options.end !== false) req.end();
  });
}

const aDocument = {
  ...localDocumentRow({
    id: "doc_00000000000000000001",
    name: "a.txt",
    path: "/nonexistent",
    sha256: "0".repeat(64),
  }),
  tenant: "t1",
  acl: ["g1"],
  status: "ready" as const,
};

describe("issue 12: uploads, audit failures, open mode", () => {
  test("a reader's upload is refused before its body is read; nothing is written (finding 9)", async () => {
    const uploads = join(dir, "uploads-f9");
    const { url, stop } = await serveApp({
      routes: [
        documentRoutes({
          documents: {} as DocumentRepository,
          intake: {} as Intake,
          uploadDir: uploads,
          originals: new FolderOriginals(join(dir, "files")),
          maxBytes: 1024,
          maxRequestBytes: 4096,
          maxFiles: 5,
        }),
      ],
    });
    try {
      const part = `--xx\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\n${"a".repeat(500)}`;
      const refused = await raw(url, {
        method: "POST",
        path: "/v1/documents",
        headers: {
          authorization: `Bearer ${key.reader}`,
          "content-type": "multipart/form-data; boundary=xx",
          "content-length": String(30_000_000),
        },
        body: part,
        end: false,
      });
      expect(refused.status).toBe(403);
      expect(readdirSync(uploads)).toEqual([]);

      // An editor's request over the total is refused at once, and one that grows past it is cut off.
      const declared = await raw(url, {
        method: "POST",
        path: "/v1/documents",
        headers: {
          authorization: `Bearer ${key.editor}`,
          "content-type": "multipart/form-data; boundary=xx",
          "content-length": String(50_000),
        },
        body: part,
        end: false,
      });
      expect(declared.status).toBe(413);
      const parts = Array.from(
        { length: 5 },
        (_, i) =>
          `--xx\r\nContent-Disposition: form-data; name="files"; filename="f${i}.txt"\r\n\r\n${"b".repeat(1000)}\r\n`,
      );
      const grown = await raw(url, {
        method: "POST",
        path: "/v1/documents",
        headers: {
          authorization: `Bearer ${key.editor}`,
          "content-type": "multipart/form-data; boundary=xx",
          "transfer-encoding": "chunked",
        },
        body: `${parts.join("")}--xx--\r\n`,
      });
      expect(grown.status).toBe(413);
      expect(JSON.parse(grown.body).error.message).toMatch(/UPLOAD_MAX_REQUEST_BYTES/);
      expect(readdirSync(uploads)).toEqual([]);
    } finally {
      await stop();
    }
  });

  test("a document read whose audit line cannot be written fails with 500; refusals are audited (finding 6)", async () => {
    const broken = join(dir, "audit-is-a-folder");
    mkdirSync(broken, { recursive: true });
    const log = createLogger("test", "silent");
    const documents = {
      get: async (id: string) => (id === aDocument.id ? aDocument : null),
    } as unknown as DocumentRepository;
    const deps = (audit: ReturnType<typeof auditRecorder>) => ({
      documents,
      intake: {} as Intake,
      uploadDir: join(dir, "uploads-f6"),
      originals: new FolderOriginals(join(dir, "files")),
      maxBytes: 1024,
      audit,
    });
    const failing = await serveApp({
      routes: [documentRoutes(deps(auditRecorder(new AuditLog(broken, AUDIT_KEY), log)))],
    });
    try {
      const res = await fetch(`${failing.url}/v1/documents/${aDocument.id}`, {
        headers: { authorization: `Bearer ${key.reader}` },
      });
      const error = await expectCleanError(res, 500, "audit_failed");
      expect(error.message).toMatch(/audit trail/);
    } finally {
      await failing.stop();
    }
    const path = join(dir, "audit-f6.log");
    const auditLog = new AuditLog(path, AUDIT_KEY);
    const working = await serveApp({
      routes: [documentRoutes(deps(auditRecorder(auditLog, log)))],
      auditRefusal: refusalRecorder(auditLog),
    });
    try {
      const get = (id: string, as?: string) =>
        fetch(`${working.url}/v1/documents/${id}`, {
          headers: as ? { authorization: `Bearer ${key[as]}` } : {},
        });
      expect((await get(aDocument.id, "reader")).status).toBe(200);
      expect((await get("doc_00000000000000000009", "reader")).status).toBe(404);
      expect((await get(aDocument.id)).status).toBe(401);
      const records = readAudit(path, new Date(0));
      expect(records.map((r) => [r.event, r.status ?? null, r.document_id])).toEqual([
        ["documents.view", null, aDocument.id],
        ["documents.refused", 404, "doc_00000000000000000009"],
        ["documents.refused", 401, aDocument.id],
      ]);
      expect(verifyAuditFile(path, AUDIT_KEY).ok).toBe(true);
    } finally {
      await working.stop();
    }
  });

  test("in open mode, only loopback Host names are answered and cross-site writes are refused (finding 12)", async () => {
    const { url, port, stop } = await serveApp({
      authenticate: authenticator({ openMode: true, keys }),
      openMode: true,
      routes: [answerRoutes({ retrieve: async () => [] } as unknown as HybridRetriever, {} as Answerer)],
    });
    try {
      const search = (headers: Record<string, string>) =>
        raw(url, {
          method: "POST",
          path: "/v1/search",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ query: "anything" }),
        });
      expect((await search({ host: `127.0.0.1:${port}` })).status).toBe(200);
      expect((await search({ host: `localhost:${port}`, origin: `http://localhost:${port}` })).status).toBe(
        200,
      );
      // DNS rebinding: the browser sends the attacker's name as Host.
      const rebound = await search({ host: `attacker.example:${port}` });
      expect(rebound.status).toBe(403);
      expect(JSON.parse(rebound.body).error.message).toMatch(/OPEN_MODE/);
      // A cross-site form or fetch: the browser says where it comes from.
      expect((await search({ host: `127.0.0.1:${port}`, origin: "https://attacker.example" })).status).toBe(
        403,
      );
      expect((await search({ host: `127.0.0.1:${port}`, "sec-fetch-site": "cross-site" })).status).toBe(403);
    } finally {
      await stop();
    }
  });
});
