// Webhooks end to end: a receiver the test starts on loopback (allowed by WEBHOOK_ALLOW_PRIVATE), the
// real API, worker, BullMQ and Redis. Signed deliveries of document.ready / document.failed /
// sync.finished / review.finished, retries with backoff, the delivery log, disabling after repeated failures, per tenant.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyStore } from "../../src/access/keys.js";
import { verifySignature } from "../../src/usecases/webhooks/sign.js";
import { servicesAgreementPdf } from "../support/pdfs.js";
import { postJson, startService, type TestService, upload, waitForDocuments } from "../support/service.js";

const shares = mkdtempSync(join(tmpdir(), "cited-hooks-"));
let service: TestService;
const tokens: Record<string, string> = {};
const auth = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });

/** What the receiver got: headers and raw body of each request. */
type Received = {
  path: string;
  headers: { timestamp: string | undefined; signature: string | undefined; event: string | undefined };
  body: string;
};
const received: Received[] = [];
/** Paths the receiver answers 500 to, this many more times. */
const failures = new Map<string, number>();
let receiver: Server;
let receiverUrl: string;

async function until<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end)
      throw new Error(`${what} did not happen within ${ms} ms\n${service.logs().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const events = (path: string) =>
  received
    .filter((r) => r.path === path)
    .map(
      (r) =>
        JSON.parse(r.body) as { id: string; event: string; tenant: string; data: Record<string, unknown> },
    );

async function createHook(who: string, body: Record<string, unknown>) {
  const res = await postJson(service, "/v1/webhooks", body, auth(who));
  return {
    status: res.status,
    body: (await res.json()) as {
      webhook: { id: string; active: boolean };
      secret: string;
      error?: { message: string };
    },
  };
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const path = req.url ?? "/";
      const headers = {
        timestamp: req.headers["x-cited-timestamp"] as string | undefined,
        signature: req.headers["x-cited-signature"] as string | undefined,
        event: req.headers["x-cited-event"] as string | undefined,
      };
      received.push({ path, headers, body });
      const left = failures.get(path) ?? 0;
      if (left > 0) failures.set(path, left - 1);
      res.writeHead(left > 0 ? 500 : 204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  mkdirSync(join(shares, "deals"));
  service = await startService({
    OPEN_MODE: "false",
    JUDGE_MODEL: "none",
    RATE_LIMIT_PER_MINUTE: "0",
    SOURCE_ROOTS: `legal:${shares}`,
    WEBHOOK_ALLOW_PRIVATE: "true",
    WEBHOOK_MAX_ATTEMPTS: "3",
    WEBHOOK_BACKOFF_MS: "300",
    WEBHOOK_DISABLE_AFTER: "2",
    WEBHOOK_TIMEOUT_MS: "2000",
  });
  const keys = new KeyStore(service.dataDir);
  tokens.admin = (await keys.create({ tenant: "legal", groups: [], role: "admin" })).key;
  tokens.editor = (await keys.create({ tenant: "legal", groups: [], role: "editor" })).key;
  tokens.otherAdmin = (await keys.create({ tenant: "acme", groups: [], role: "admin" })).key;
}, 180_000);

afterAll(async () => {
  await service?.stop();
  await new Promise((r) => receiver?.close(r));
  rmSync(shares, { recursive: true, force: true });
});

describe("webhooks", () => {
  let hookId: string;
  let secret: string;

  test("only admins register hooks; a bad URL or event is refused with what to fix", async () => {
    expect(
      (await createHook("editor", { url: `${receiverUrl}/docs`, events: ["document.ready"] })).status,
    ).toBe(403);
    const badEvent = await createHook("admin", { url: `${receiverUrl}/docs`, events: ["document.deleted"] });
    expect(badEvent.status).toBe(400);
    expect(badEvent.body.error!.message).toMatch(/events\.0/);
    const badUrl = await createHook("admin", { url: "ftp://example.com/x", events: ["document.ready"] });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error!.message).toMatch(/http:\/\/ or https:\/\//);
  });

  test("document.ready and document.failed arrive signed with the hook's secret and a fresh timestamp", async () => {
    const created = await createHook("admin", {
      url: `${receiverUrl}/docs`,
      events: ["document.ready", "document.failed"],
      description: "deal room",
    });
    expect(created.status).toBe(201);
    ({ id: hookId } = created.body.webhook);
    secret = created.body.secret;
    expect(secret).toMatch(/^whsec_/);
    // The first attempt of the first delivery fails: it is retried.
    failures.set("/docs", 1);
    const res = await upload(
      service,
      {
        "msa.pdf": await servicesAgreementPdf(),
        "broken.pdf": new TextEncoder().encode("%PDF-1.7 not really a pdf"),
      },
      {},
      auth("editor"),
    );
    expect(res.status).toBe(202);
    const got = await until(
      "two deliveries",
      () => {
        const ok = events("/docs");
        const kinds = new Set(ok.map((e) => e.event));
        return kinds.has("document.ready") && kinds.has("document.failed") ? ok : undefined;
      },
      120_000,
    );
    const ready = got.find((e) => e.event === "document.ready")!;
    expect(ready).toMatchObject({ tenant: "legal", data: { name: "msa.pdf", status: "ready", pages: 3 } });
    expect(got.find((e) => e.event === "document.failed")!.data).toMatchObject({
      name: "broken.pdf",
      status: "failed",
    });
    for (const r of received.filter((x) => x.path === "/docs")) {
      expect(verifySignature(secret, r.headers, r.body)).toBe(true);
      expect(verifySignature("whsec_wrong", r.headers, r.body)).toBe(false);
      expect(verifySignature(secret, r.headers, `${r.body} `)).toBe(false);
    }
  }, 180_000);

  test("the delivery log shows the failed attempt, then the retry that was delivered", async () => {
    const log = await until("a delivered retry in the log", async () => {
      const res = await service.request(`/v1/webhooks/${hookId}/deliveries`, { headers: auth("admin") });
      const body = (await res.json()) as {
        items: { delivery_id: string; attempt: number; outcome: string; http_status: number | null }[];
      };
      return body.items.some((i) => i.attempt === 2 && i.outcome === "delivered") ? body.items : undefined;
    });
    const retried = log.find((i) => i.attempt === 2 && i.outcome === "delivered")!;
    const first = log.find((i) => i.delivery_id === retried.delivery_id && i.attempt === 1)!;
    expect(first).toMatchObject({ outcome: "retrying", http_status: 500 });
    // The receiver saw the same event id twice (it drops repeats by it).
    expect(events("/docs").filter((e) => e.id === retried.delivery_id)).toHaveLength(2);
  });

  test("sync.finished arrives when a share's sync ends", async () => {
    const hook = await createHook("admin", { url: `${receiverUrl}/syncs`, events: ["sync.finished"] });
    expect(hook.status).toBe(201);
    writeFileSync(join(shares, "deals", "memo.txt"), "The closing date of the deal is 1 March.\n");
    const src = await postJson(service, "/v1/sources", { path: join(shares, "deals") }, auth("admin"));
    expect(src.status).toBe(201);
    const sourceId = ((await src.json()) as { id: string }).id;
    expect((await postJson(service, `/v1/sources/${sourceId}/sync`, {}, auth("admin"))).status).toBe(202);
    const [finished] = await until(
      "sync.finished",
      () => (events("/syncs").length ? events("/syncs") : undefined),
      120_000,
    );
    expect(finished).toMatchObject({
      event: "sync.finished",
      tenant: "legal",
      data: { source_id: sourceId, state: "done" },
    });
  }, 180_000);

  test("review.finished arrives when a contract review ends", async () => {
    const hook = await createHook("admin", { url: `${receiverUrl}/reviews`, events: ["review.finished"] });
    expect(hook.status).toBe(201);
    const res = await upload(
      service,
      {
        "terms.txt": new TextEncoder().encode(
          "12. This Agreement is governed by the laws of the State of Ohio.\n",
        ),
      },
      {},
      auth("editor"),
    );
    const docId = ((await res.json()) as { documents: { id: string }[] }).documents[0]!.id;
    await waitForDocuments(service, [docId], 120_000, auth("editor"));
    const template = {
      name: "law-only",
      fields: [
        { name: "Governing Law", question: "Which state's law governs the contract?", type: "clause" },
      ],
    };
    const started = await postJson(
      service,
      "/v1/reviews",
      { template, document_ids: [docId] },
      auth("editor"),
    );
    expect(started.status).toBe(202);
    const reviewId = ((await started.json()) as { id: string }).id;
    const [finished] = await until(
      "review.finished",
      () => (events("/reviews").length ? events("/reviews") : undefined),
      300_000,
    );
    expect(finished).toMatchObject({
      event: "review.finished",
      tenant: "legal",
      data: { review_id: reviewId, state: "completed", template: "law-only", documents: 1 },
    });
  }, 420_000);

  test("a hook whose deliveries keep failing is disabled after WEBHOOK_DISABLE_AFTER deliveries", async () => {
    const dead = await createHook("admin", { url: `${receiverUrl}/dead`, events: ["document.ready"] });
    failures.set("/dead", 1000);
    for (const name of ["a.txt", "b.txt"]) {
      const res = await upload(
        service,
        { [name]: new TextEncoder().encode(`Memo ${name}: the fee is due monthly.\n`) },
        {},
        auth("editor"),
      );
      expect(res.status).toBe(202);
    }
    const hook = await until(
      "the hook disabled",
      async () => {
        const list = (await (await service.request("/v1/webhooks", { headers: auth("admin") })).json()) as {
          items: { id: string; active: boolean; consecutive_failures: number; disabled_at: string | null }[];
        };
        const h = list.items.find((i) => i.id === dead.body.webhook.id)!;
        return h.active ? undefined : h;
      },
      120_000,
    );
    expect(hook.consecutive_failures).toBe(2);
    expect(hook.disabled_at).not.toBeNull();
    // 2 deliveries × WEBHOOK_MAX_ATTEMPTS attempts, and nothing after it was disabled.
    expect(received.filter((r) => r.path === "/dead")).toHaveLength(6);
  }, 180_000);

  test("another tenant's admin neither sees nor deletes the hooks; the owner deletes one", async () => {
    const other = (await (await service.request("/v1/webhooks", { headers: auth("otherAdmin") })).json()) as {
      items: unknown[];
    };
    expect(other.items).toEqual([]);
    const del = (who: string) =>
      service.request(`/v1/webhooks/${hookId}`, { method: "DELETE", headers: auth(who) });
    expect((await del("otherAdmin")).status).toBe(404);
    expect(
      (await service.request(`/v1/webhooks/${hookId}/deliveries`, { headers: auth("otherAdmin") })).status,
    ).toBe(404);
    expect((await del("admin")).status).toBe(204);
    expect((await del("admin")).status).toBe(404);
  });
});
