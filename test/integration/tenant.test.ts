// Per-tenant settings through the API with the real models and store: admins change them (audited),
// every key reads them, and answers and searches of that tenant (only) follow them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ingestAs, startKeyedService } from "../support/keyed.js";
import { servicesAgreementPdf } from "../support/pdfs.js";
import { postJson, type TestService } from "../support/service.js";

const ASK_TIMEOUT_MS = 300_000;
let service: TestService;
let msaId: string;
let tokens: Record<string, string> = {};
const auth = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });

const patch = (who: string, body: unknown) =>
  service.request("/v1/tenant", {
    method: "PATCH",
    headers: { "content-type": "application/json", ...auth(who) },
    body: JSON.stringify(body),
  });
/** GET /v1/tenant as the API answers it. */
type Tenant = {
  tenant: string;
  role: string;
  settings: Record<string, unknown>;
  effective: { support_threshold: number; chat_model: string };
  chat_models: string[];
};
const tenant = async (who: string) =>
  (await (await service.request("/v1/tenant", { headers: auth(who) })).json()) as Tenant;

beforeAll(async () => {
  ({ service, tokens } = await startKeyedService(
    { GENERATION_PARALLEL: "1", CHAT_CONTEXT_TOKENS: "3072", ASK_TIMEOUT_MS: String(ASK_TIMEOUT_MS) },
    {
      admin: { tenant: "legal", groups: [], role: "admin" },
      reader: { tenant: "legal", groups: [], role: "reader" },
      acme: { tenant: "acme", groups: [], role: "admin" },
    },
  ));
  [msaId] = (await ingestAs(
    service,
    tokens.admin!,
    { "msa.pdf": await servicesAgreementPdf() },
    { tags: "contracts" },
  )) as [string];
}, 300_000);

afterAll(async () => {
  await service?.stop();
});

test("every key reads its tenant's settings; the defaults and the provisioned chat models are shown", async () => {
  const view = await tenant("reader");
  expect(view).toMatchObject({
    tenant: "legal",
    role: "reader",
    effective: { support_threshold: 0.5, chat_model: "qwen2.5-coder-0.5b-instruct" },
  });
  expect(view.settings.support_threshold).toBeNull();
  expect(view.chat_models).toContain("qwen2.5-coder-0.5b-instruct");
});

test("only admins change settings; an unprovisioned model or a bad value is refused with what to fix", async () => {
  expect((await patch("reader", { support_threshold: 0.9 })).status).toBe(403);
  const model = await patch("admin", { chat_model: "gpt-5" });
  expect(model.status).toBe(400);
  expect(((await model.json()) as { error: { message: string } }).error.message).toMatch(
    /not provisioned.*qwen2\.5-coder-0\.5b-instruct/,
  );
  const bad = await patch("admin", { support_threshold: 2, citations: false });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/citations/);
});

test(
  "a tenant's threshold, default filters and language apply to its answers and searches only, and the change is audited",
  async () => {
    const res = await patch("admin", {
      support_threshold: 1,
      default_filters: { tags: ["board-minutes"] },
      answer_language: "Spanish",
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Tenant).effective.support_threshold).toBe(1);
    // Default filters: a search naming none finds nothing tagged board-minutes; naming its own filters, it finds the MSA.
    const none = await postJson(
      service,
      "/v1/search",
      { query: "termination for convenience" },
      auth("reader"),
    );
    expect(((await none.json()) as { passages: unknown[] }).passages).toEqual([]);
    const own = await postJson(
      service,
      "/v1/search",
      { query: "termination for convenience", filters: { tags: ["contracts"] } },
      auth("reader"),
    );
    expect(((await own.json()) as { passages: { document_id: string }[] }).passages[0]!.document_id).toBe(
      msaId,
    );
    // A threshold of 1: nothing is sure enough, so the tenant's answer is declined as low support.
    const ask = await postJson(
      service,
      "/v1/ask",
      {
        question: "How many days of notice are needed to terminate the agreement for convenience?",
        top_k: 4,
        filters: { document_ids: [msaId] },
      },
      auth("reader"),
    );
    const answer = (await ask.json()) as {
      abstained: boolean;
      abstain_reason: string | null;
      support: number | null;
    };
    expect(answer).toMatchObject({ abstained: true, abstain_reason: "low_support" });
    expect(answer.support).toBeGreaterThan(0);
    // Another tenant keeps the server's settings.
    expect((await tenant("acme")).effective.support_threshold).toBe(0.5);
    const audit = readFileSync(join(service.dataDir, "audit.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r.event === "tenant.settings");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      tenant: "legal",
      after: { support_threshold: 1, answer_language: "Spanish" },
      before: { support_threshold: null },
    });
  },
  ASK_TIMEOUT_MS + 60_000,
);

test("null restores the server's defaults", async () => {
  const res = await patch("admin", { support_threshold: null, default_filters: null, answer_language: null });
  expect(res.status).toBe(200);
  const view = await tenant("reader");
  expect(view.settings).toMatchObject({
    support_threshold: null,
    default_filters: null,
    answer_language: null,
  });
  expect(view.effective.support_threshold).toBe(0.5);
});
