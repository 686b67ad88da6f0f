// The key file under concurrent writers: the command line and the API (several processes) create
// and revoke keys at the same time, and no key and no revocation may be lost (issue 12, finding 13).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyStore } from "../../src/access/keys.js";
import { runModule } from "../support/child.js";

const ROOT = new URL("../..", import.meta.url).pathname;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cited-keys-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A process that runs `script` with `store`, a KeyStore on the file at `path`. */
const child = (path: string, script: string) =>
  runModule(`import { KeyStore } from ${JSON.stringify(join(ROOT, "src/access/keys.ts"))};
    const store = new KeyStore(${JSON.stringify(path)});
    ${script}`);

describe("key store", () => {
  test("three processes creating keys at once lose none, and a revocation made meanwhile stays", async () => {
    const path = join(dir, "keys.json");
    const store = new KeyStore(path);
    const victims = Array.from({ length: 10 }, () =>
      store.create({ tenant: "t", groups: [], role: "reader" }),
    );
    const create = (n: number) =>
      child(
        path,
        `for (let i = 0; i < 25; i++) store.create({ tenant: "t", groups: ["g${n}"], role: "reader" });`,
      );
    const revoke = child(
      path,
      `for (const id of ${JSON.stringify(victims.map((v) => v.info.id))}) if (!store.revoke(id)) process.exit(3);`,
    );
    await Promise.all([create(1), create(2), create(3), revoke]);
    const keys = new KeyStore(path).list();
    expect(keys).toHaveLength(10 + 75);
    for (const v of victims) expect(keys.find((k) => k.id === v.info.id)?.revoked_at).not.toBeNull();
    for (const v of victims) expect(new KeyStore(path).authenticate(v.key)).toBeNull();
  }, 60_000);
});
