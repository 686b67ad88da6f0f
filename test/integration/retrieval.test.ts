// Hybrid retrieval over a real LanceDB folder with the real embedder: what the fusion of vector and
// full-text ranks must not lose.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chunkingFor, ingestDocument, readyPatch } from "../../ingestion/pipeline.js";
import { LOCAL_SCOPE } from "../../src/access/scope.js";
import { HybridRetriever } from "../../src/retrieval/hybrid.js";
import { DocumentRepository, localDocumentRow } from "../../src/store/documents.js";
import { openStore, type Store, storeIn } from "../../src/store/index.js";
import { maintainStore } from "../../src/store/maintenance.js";
import { testEmbedder } from "../support/models.js";
import { fillerClauses } from "../support/pdfs.js";
import { seededRandom } from "../support/random.js";

const MODEL = "all-minilm-l6-v2";
const TOPICS = ["logistics", "payroll", "research", "marketing", "compliance", "facilities", "training"];
let dir: string;
let store: Store;
/** Sixteen budget memos and four short notes, each naming a project or share by a word no other uses. */
const documents: { id: string; marker: string; note: boolean }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cited-retrieval-"));
  const embedder = await testEmbedder(MODEL);
  store = await openStore(storeIn(dir), embedder.dimensions, MODEL);
  const repository = new DocumentRepository(store);
  // Seeded: these twenty texts once lost a note's only matching word to the memos' common ones.
  const rnd = seededRandom(1);
  for (let n = 0; n < 20; n++) {
    const topic = rnd.pick(TOPICS);
    const marker = rnd.marker();
    const note = n % 5 === 4;
    const budget = 1000 + rnd.int(900_000);
    const text = note
      ? `Shared folder note.\n\nThe ${marker} share holds the globex files.\n`
      : [
          `${topic[0]!.toUpperCase()}${topic.slice(1)} memo of globex`,
          `This memo describes the ${topic} programme and who may read it.`,
          `The ${marker} project received a budget of ${budget} dollars for the coming year.`,
          ...fillerClauses(1, 2, topic[0]!.toUpperCase() + topic.slice(1)),
        ].join("\n\n");
    const id = `doc_${String(n).padStart(20, "0")}`;
    const path = join(dir, `${id}.txt`);
    writeFileSync(path, text);
    const sha256 = createHash("sha256").update(text).digest("hex");
    const row = localDocumentRow({ id, name: `memo-${n}.txt`, path, sha256 });
    await repository.insert([row]);
    const limits = { maxBytes: 1_000_000, maxPages: 10, maxExpandedBytes: 10_000_000 };
    const result = await ingestDocument(row, {
      documents: repository,
      embedder,
      limits,
      chunking: chunkingFor(160),
    });
    await repository.update(id, readyPatch(result));
    documents.push({ id, marker, note });
  }
  await maintainStore(store);
}, 300_000);

afterAll(() => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("hybrid retrieval", () => {
  test("a question naming what only one document names finds that document, however alike the others", async () => {
    const retriever = new HybridRetriever(store, await testEmbedder(MODEL));
    const missed: string[] = [];
    for (const d of documents) {
      for (const query of [d.marker, `What budget did the ${d.marker} project receive?`]) {
        const found = await retriever.retrieve({ query, topK: 8, scope: LOCAL_SCOPE });
        if (!found.some((p) => p.document_id === d.id)) missed.push(`${query} (${d.note ? "note" : "memo"})`);
      }
    }
    expect(missed).toEqual([]);
  });

  test("the chunks after a passage are its document's next ones, in order (a signature block runs on)", async () => {
    const retriever = new HybridRetriever(store, await testEmbedder(MODEL));
    const repository = new DocumentRepository(store);
    const memo = documents.find((d) => !d.note)!;
    const chunks = await repository.chunks(memo.id, LOCAL_SCOPE);
    expect(chunks.length).toBeGreaterThan(1);
    const [first] = await retriever.retrieve({
      query: chunks[0]!.text,
      topK: 1,
      scope: LOCAL_SCOPE,
      filters: { document_ids: [memo.id] },
    });
    const after = await retriever.following(first!, 2, LOCAL_SCOPE);
    const expected = chunks.filter((c) => c.ordinal > first!.ordinal).slice(0, 2);
    expect(after.map((p) => p.chunk_id)).toEqual(expected.map((c) => c.chunk_id));
    expect(after.every((p) => p.document_id === memo.id)).toBe(true);
    const last = { ...first!, ordinal: chunks.at(-1)!.ordinal };
    expect(await retriever.following(last, 2, LOCAL_SCOPE)).toEqual([]);
  });
});
