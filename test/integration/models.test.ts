// The real models through node-llama-cpp: the GGUF embedder against its reference implementation,
// and the chat model forced into a JSON schema.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { disposeRuntime, InputTooLongError } from "../../src/models/index.js";
import { testEmbedder, testGenerator } from "../support/models.js";

afterAll(async () => {
  await disposeRuntime();
});

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return dot / Math.sqrt(na * nb);
};

describe("embedder", () => {
  test("matches sentence-transformers' all-MiniLM-L6-v2 on 25 sentences (mean cosine ≥ 0.99)", async () => {
    const embedder = await testEmbedder();
    const sentences = JSON.parse(readFileSync("test/fixtures/embedding-sentences.json", "utf8")) as string[];
    const reference = JSON.parse(readFileSync("test/fixtures/all-minilm-l6-v2.reference.json", "utf8")) as {
      vectors: number[][];
    };
    expect(sentences.length).toBeGreaterThanOrEqual(20);
    const vectors = await embedder.embed(sentences);
    const cosines = vectors.map((v, i) => cosine(v, reference.vectors[i]!));
    const mean = cosines.reduce((a, b) => a + b, 0) / cosines.length;
    console.log(
      `embedder vs reference: mean cosine ${mean.toFixed(5)}, min ${Math.min(...cosines).toFixed(5)} over ${cosines.length} sentences`,
    );
    expect(mean).toBeGreaterThanOrEqual(0.99);
  });

  test("two sentences about termination are closer to each other than to one about revenue", async () => {
    const embedder = await testEmbedder();
    const [a, b, c] = await embedder.embed([
      "Either party may terminate this agreement with thirty days' written notice.",
      "The contract can be ended by either side giving notice one month in advance.",
      "Revenue is recognised when control of the goods passes to the customer.",
    ]);
    expect(cosine(a!, b!)).toBeGreaterThan(cosine(a!, c!) + 0.2);
    expect(cosine(a!, b!)).toBeGreaterThan(cosine(b!, c!) + 0.2);
  });

  test("vectors have the model's dimension and unit length", async () => {
    const embedder = await testEmbedder();
    expect(embedder.dimensions).toBe(384);
    const [v] = await embedder.embed(["Governing law: Delaware."]);
    expect(v).toHaveLength(embedder.dimensions);
    expect(cosine(v!, v!)).toBeCloseTo(1, 5);
    expect(Math.hypot(...v!)).toBeCloseTo(1, 4);
  });

  test("over-long input is refused with its token count, never cut", async () => {
    const embedder = await testEmbedder();
    const long = "The licensee shall pay all royalties when due. ".repeat(120);
    const tokens = embedder.countTokens(long);
    expect(tokens).toBeGreaterThan(embedder.maxTokens);
    await expect(embedder.embed(["short", long])).rejects.toBeInstanceOf(InputTooLongError);
    await expect(embedder.embed([long])).rejects.toMatchObject({ tokens, maxTokens: embedder.maxTokens });
  });
});

describe("generator", () => {
  test("the chat model's output under a JSON schema grammar is an object that validates", async () => {
    const generator = await testGenerator();
    const Answer = z.object({
      party: z.string().min(1),
      notice_days: z.number().int(),
      governed_by: z.enum(["Delaware", "New York", "Oregon"]),
    });
    const result = await generator.generateJson({
      system: "Extract facts from the contract as JSON.",
      prompt:
        "Contract: This Agreement between Acme Corp. and Globex LLC may be terminated by either party on 45 days' written notice. It is governed by the laws of Oregon.\nGive the first party, the notice period in days and the governing law.",
      schema: {
        type: "object",
        properties: {
          party: { type: "string" },
          notice_days: { type: "integer" },
          governed_by: { enum: ["Delaware", "New York", "Oregon"] },
        },
        required: ["party", "notice_days", "governed_by"],
      },
      maxTokens: 120,
    });
    const parsed = Answer.safeParse(result.value);
    expect(parsed.success).toBe(true);
    expect(result.outputTokens).toBeGreaterThan(0);
    expect(result.promptTokens).toBeGreaterThan(20);
  });
});
