// The LanceDB store refuses vectors that would not compare with its own, in a real LanceDB folder.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, StoreDimensionMismatchError, storeIn } from "../../src/store/index.js";

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
});
