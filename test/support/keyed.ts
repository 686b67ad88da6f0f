// A test service with API keys (OPEN_MODE off), and documents uploaded with one of them: the setup
// of the integration tests that act as several keys (OpenAI-compatible API, MCP, tenant settings).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { KEY_TABLE, KeyStore } from "../../src/access/keys.js";
import { startService, type TestService, upload, waitForDocuments, waitForIndex } from "./service.js";

/** A key to create: its tenant, groups and role. */
export type KeySpec = { tenant: string; groups: string[]; role: "reader" | "editor" | "admin" };

/** An editor and a reader of tenant legal's group team, and an admin of another tenant (acme). */
export const TEAM_KEYS: Record<string, KeySpec> = {
  editor: { tenant: "legal", groups: ["team"], role: "editor" },
  reader: { tenant: "legal", groups: ["team"], role: "reader" },
  otherTenant: { tenant: "acme", groups: ["team"], role: "admin" },
};

/** Start the service with these settings (keys required) and create the keys; their secrets by name. */
export async function startKeyedService(
  settings: Record<string, string>,
  keys: Record<string, KeySpec>,
): Promise<{ service: TestService; tokens: Record<string, string> }> {
  const service = await startService({ OPEN_MODE: "false", RATE_LIMIT_PER_MINUTE: "0", ...settings });
  const store = new KeyStore(service.dataDir);
  const tokens: Record<string, string> = {};
  for (const [name, spec] of Object.entries(keys)) tokens[name] = (await store.create(spec)).key;
  await store.close();
  return { service, tokens };
}

/** Upload files with a key, wait until each is ready and indexed; their document ids in upload order. */
export async function ingestAs(
  service: TestService,
  token: string,
  files: Record<string, Uint8Array>,
  fields: Record<string, string> = {},
): Promise<string[]> {
  const auth = { authorization: `Bearer ${token}` };
  const res = await upload(service, files, fields, auth);
  if (res.status !== 202) throw new Error(`the upload answered ${res.status}: ${await res.text()}`);
  const ids = ((await res.json()) as { documents: { id: string }[] }).documents.map((d) => d.id);
  for (const doc of await waitForDocuments(service, ids, 180_000, auth)) {
    if (doc.status !== "ready")
      throw new Error(`${String(doc.name)} did not become ready: ${String(doc.error)}`);
  }
  await waitForIndex(service);
  return ids;
}

/** A data file of the store's keys table (every key's id and hash): a target for links swapped into shares. */
export function keyTableFile(dataDir: string): string {
  const data = join(dataDir, "lancedb", `${KEY_TABLE}.lance`, "data");
  return join(data, readdirSync(data).find((f) => f.endsWith(".lance"))!);
}
