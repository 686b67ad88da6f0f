// The LanceDB store refuses vectors that would not compare with its own, and keeps the access rule
// exact once a large store's scope columns are indexed, in a real LanceDB folder.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChunkRow } from "../../schemas/document.js";
import { type AccessScope, scopeFilter } from "../../src/access/scope.js";
import { openStore, StoreDimensionMismatchError, storeIn } from "../../src/store/index.js";
import { maintainStore } from "../../src/store/maintenance.js";

const dirs: string[] = [];
const newStoreLocation = () => {
  const dir = mkdtempSync(join(tmpdir(), "cited-store-"));
  dirs.push(dir);
  return storeIn(dir);
};

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("store", () => {
  test("a store built with one embedding model is refused to another of the same dimension, saying what to do", async () => {
    const location = newStoreLocation();
    (await openStore(location, 384, "all-minilm-l6-v2")).close();
    const opening = openStore(location, 384, "multilingual-e5-small");
    await expect(opening).rejects.toBeInstanceOf(StoreDimensionMismatchError);
    await expect(opening).rejects.toThrow(
      /built with the embedding model all-minilm-l6-v2, not multilingual-e5-small; set EMBED_MODEL=all-minilm-l6-v2, or point DATA_DIR at a new folder/,
    );
    // The model that built it, and tools that do not embed, still open it.
    (await openStore(location, 384, "all-minilm-l6-v2")).close();
    (await openStore(location, 384)).close();
  });

  test("a store of another dimension is refused", async () => {
    const location = newStoreLocation();
    (await openStore(location, 384, "all-minilm-l6-v2")).close();
    await expect(openStore(location, 768, "bge-base")).rejects.toThrow(/holds 384-d vectors/);
  });

  test("once the tenant and ACL columns are indexed (a large store), a search still sees only its scope's rows", async () => {
    const store = await openStore(newStoreLocation(), 4);
    const chunk = (i: number): ChunkRow => ({
      chunk_id: `c${i}`,
      document_id: `d${i}`,
      tenant: ["acme", "globex", "initech"][i % 3]!,
      acl: [["legal"], ["finance"], ["legal", "finance"], ["public"]][i % 4]!,
      tags: [],
      doc_type: "txt",
      title: "",
      section: "",
      ordinal: 0,
      preamble: false,
      text: `clause ${i}`,
      search_text: `clause ${i}`,
      page_start: 1,
      page_end: 1,
      char_start: 0,
      char_end: 9,
      spans: "[]",
      token_count: 2,
      content_sha256: "0",
      vector: [1, i / 100, 0, 0],
    });
    await store.chunks.add(Array.from({ length: 120 }, (_, i) => chunk(i)));
    const scopes: AccessScope[] = [
      { tenant: "acme", groups: ["legal"], allGroups: false },
      { tenant: "globex", groups: ["finance", "public"], allGroups: false },
      { tenant: "initech", groups: [], allGroups: true },
      { tenant: "acme", groups: ["nobody"], allGroups: false },
    ];
    const ids = (rows: unknown[]) => (rows as { chunk_id: string }[]).map((r) => r.chunk_id).sort();
    /** What each scope finds by vector (exact: what is compared is the filter) and by full text. */
    const seen = async () => {
      const out: string[][] = [];
      for (const scope of scopes) {
        const where = scopeFilter(scope);
        const byVector = await store.chunks
          .vectorSearch([1, 0.5, 0, 0])
          .where(where)
          .bypassVectorIndex()
          .select(["chunk_id"])
          .limit(200)
          .toArray();
        const byText = await store.chunks
          .search("clause", "fts")
          .where(where)
          .select(["chunk_id"])
          .limit(200)
          .toArray();
        expect(ids(byText)).toEqual(ids(byVector));
        out.push(ids(byVector));
      }
      return out;
    };
    const before = await seen();
    expect(before.map((ids) => ids.length)).toEqual([20, 30, 40, 0]);
    await maintainStore(store, 0);
    const indexed = (await store.chunks.listIndices()).flatMap((i) => i.columns);
    expect(indexed).toEqual(expect.arrayContaining(["tenant", "acl", "vector"]));
    expect(await seen()).toEqual(before);
    // Rows added after the indexes were built are filtered by the same rule.
    await store.chunks.add([chunk(120), chunk(123)]);
    expect((await seen())[0]).toEqual([...before[0]!, "c120"].sort());
    store.close();
  });
});
