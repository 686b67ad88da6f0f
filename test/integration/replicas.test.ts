// Two API processes on one DATA_DIR, Redis and QUEUE_PREFIX, as replicas behind a load balancer: a
// key created through one works on the other, and a key revoked through one is refused by the other
// once it has read the keys again (KEY_REFRESH_MS, a second), with no restart.
import { KEY_REFRESH_MS } from "../../src/access/keys.js";
import { startKeyedService } from "../support/keyed.js";
import type { TestService } from "../support/service.js";

let service: TestService;
let tokens: Record<string, string>;
let second: string;

beforeAll(async () => {
  ({ service, tokens } = await startKeyedService(
    { JUDGE_MODEL: "none", ANSWER_STYLE: "extractive" },
    { admin: { tenant: "legal", groups: [], role: "admin" } },
  ));
  second = (await service.startApiReplica()).url;
}, 300_000);

afterAll(async () => {
  await service?.stop();
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });
/** Long enough for every replica to read the keys again. */
const afterRefresh = () => new Promise((r) => setTimeout(r, KEY_REFRESH_MS + 300));
const documentsOn = async (url: string, token: string) => {
  const res = await fetch(`${url}/v1/documents`, { headers: as(token) });
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
};

describe("API replicas share the keys", () => {
  test("a key created through one API works on the other; revoked through the first, both refuse it", async () => {
    const created = await fetch(`${service.url}/v1/keys`, {
      method: "POST",
      headers: { ...as(tokens.admin!), "content-type": "application/json" },
      body: JSON.stringify({ role: "reader", groups: ["team"], label: "replica test" }),
    });
    expect(created.status).toBe(201);
    const { key, info } = (await created.json()) as { key: string; info: { id: string } };
    await afterRefresh();
    expect((await documentsOn(second, key)).status).toBe(200);
    const listed = await fetch(`${second}/v1/keys`, { headers: as(tokens.admin!) });
    expect(((await listed.json()) as { items: { id: string }[] }).items.map((k) => k.id)).toContain(info.id);

    const revoked = await fetch(`${service.url}/v1/keys/${info.id}`, {
      method: "DELETE",
      headers: as(tokens.admin!),
    });
    expect(revoked.status).toBe(204);
    expect((await documentsOn(service.url, key)).body.error?.code).toBe("invalid_key"); // at once
    await afterRefresh();
    const refused = await documentsOn(second, key);
    expect(refused.status).toBe(401);
    expect(refused.body.error?.code).toBe("invalid_key");
    // Revoking it again through the second API: there is no active key with that id any more.
    const again = await fetch(`${second}/v1/keys/${info.id}`, {
      method: "DELETE",
      headers: as(tokens.admin!),
    });
    expect(again.status).toBe(404);
    expect((await documentsOn(second, tokens.admin!)).status).toBe(200);
  }, 60_000);
});
