// The OpenAI-compatible endpoint through the official `openai` client, against the real service (chat
// model, judge, embedder, store, Redis): the same verified answers as /v1/ask, streamed and not, with
// footnotes, a Sources block and the citations in `cited`; follow-ups rewritten; keys and filters.
import OpenAI from "openai";
import { ingestAs, startKeyedService, TEAM_KEYS } from "../support/keyed.js";
import { distributorAgreementPdf, servicesAgreementPdf } from "../support/pdfs.js";
import { postJson, type TestService } from "../support/service.js";

/** Each answer may take up to this long (the service's own limit). */
const ASK_TIMEOUT_MS = 300_000;
const oneAnswer = ASK_TIMEOUT_MS + 30_000;

let service: TestService;
let msaId: string;
let distributorId: string;
let tokens: Record<string, string> = {};

/** What Cited adds to completions and to the last streamed chunk. */
type Extension = {
  standalone_question: string;
  rewritten: boolean;
  citations: { n: number; document_id: string; page: number; quote: string; verified: boolean }[];
  passages: { document_id: string; chunk_id: string }[];
  abstained: boolean;
  abstain_reason: string | null;
  answer_model: string | null;
};
type WithExtension = { cited: Extension };

const client = (who: keyof typeof tokens | null) =>
  new OpenAI({
    apiKey: who ? tokens[who]! : "none",
    baseURL: `${service.url}/v1`,
    maxRetries: 0,
    timeout: oneAnswer,
  });

const NOTICE_QUESTION = "How many days of notice are needed to terminate the agreement for convenience?";

beforeAll(async () => {
  ({ service, tokens } = await startKeyedService(
    {
      GENERATION_PARALLEL: "1",
      GENERATION_QUEUE: "2",
      CHAT_CONTEXT_TOKENS: "3072",
      ASK_TIMEOUT_MS: String(ASK_TIMEOUT_MS),
    },
    TEAM_KEYS,
  ));
  const files = {
    "msa.pdf": await servicesAgreementPdf(),
    "distributor.pdf": await distributorAgreementPdf(),
  };
  [msaId, distributorId] = (await ingestAs(service, tokens.editor!, files, { groups: "team" })) as [
    string,
    string,
  ];
}, 300_000);

afterAll(async () => {
  await service?.stop();
});

describe("models and keys", () => {
  test("GET /v1/models lists cited and cited-search for a reader key", async () => {
    const models = await client("reader").models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(["cited", "cited-search"]);
  });

  test("without a valid key the client gets 401 with a message saying how to get one", async () => {
    const call = client(null).chat.completions.create({
      model: "cited",
      messages: [{ role: "user", content: "hi" }],
    });
    await expect(call).rejects.toMatchObject({ status: 401, message: expect.stringMatching(/API key/) });
  });

  test("an unknown model is 404 naming the two models; a conversation without a user message is 400", async () => {
    const unknown = client("reader").chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "notice?" }],
    });
    await expect(unknown).rejects.toMatchObject({
      status: 404,
      message: expect.stringMatching(/"cited".*"cited-search"/),
    });
    const noUser = client("reader").chat.completions.create({
      model: "cited",
      messages: [{ role: "system", content: "be brief" }],
    });
    await expect(noUser).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/role "user"/),
    });
    const badFilter = client("reader").chat.completions.create({
      model: "cited-search",
      messages: [{ role: "user", content: "notice" }],
      metadata: { types: "spreadsheet-of-doom" },
    });
    await expect(badFilter).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/metadata\.types/),
    });
  });
});

describe("cited-search: passages only, scoped and filtered", () => {
  test("passages come back as text and in `cited.passages`, limited by metadata filters", async () => {
    const res = await client("reader").chat.completions.create({
      model: "cited-search",
      messages: [{ role: "user", content: "termination notice" }],
      metadata: { document_ids: distributorId },
    });
    const ext = (res as unknown as WithExtension).cited;
    expect(ext.passages.length).toBeGreaterThan(0);
    for (const p of ext.passages) expect(p.document_id).toBe(distributorId);
    expect(res.choices[0]!.message.content).toMatch(/^Passages for “termination notice”:\n\n\[1\] /);
  });

  test("another tenant's key finds nothing of this tenant's documents", async () => {
    const res = await client("otherTenant").chat.completions.create({
      model: "cited-search",
      messages: [{ role: "user", content: "termination notice" }],
    });
    expect((res as unknown as WithExtension).cited.passages).toEqual([]);
    expect(res.choices[0]!.message.content).toMatch(/^No passages you may read match/);
  });
});

describe("cited: the verified answer of /v1/ask as a chat completion", () => {
  let content = "";

  test(
    "the answer carries [n] markers, a Sources block and the same citations /v1/ask gives",
    async () => {
      const res = await client("reader").chat.completions.create({
        model: "cited",
        messages: [{ role: "user", content: NOTICE_QUESTION }],
        cited: { top_k: 4 },
      } as OpenAI.ChatCompletionCreateParamsNonStreaming);
      content = res.choices[0]!.message.content!;
      const ext = (res as unknown as WithExtension).cited;
      expect(res.object).toBe("chat.completion");
      expect(ext.abstained).toBe(false);
      const notice = ext.citations.find((c) => /ninety \(90\) days/.test(c.quote.replace(/\s+/g, " ")));
      expect(notice).toMatchObject({ document_id: msaId, page: 2, verified: true });
      expect(content).toMatch(new RegExp(`\\[${notice!.n}\\]`));
      expect(content).toMatch(
        new RegExp(
          `\\n\\nSources:\\n[\\s\\S]*\\[${notice!.n}\\] MASTER SERVICES AGREEMENT, § [^\\n]+, p\\. 2: “`,
        ),
      );
      const ask = await postJson(
        service,
        "/v1/ask",
        { question: NOTICE_QUESTION, top_k: 4 },
        { authorization: `Bearer ${tokens.reader}` },
      );
      const direct = (await ask.json()) as { citations: unknown[]; answer: string };
      expect(ext.citations).toEqual(direct.citations);
      expect(content.startsWith(direct.answer)).toBe(true);
    },
    oneAnswer * 2,
  );

  test(
    "streamed, the chunks add up to the same text and the last one carries the citations",
    async () => {
      const stream = await client("reader").chat.completions.create({
        model: "cited",
        messages: [{ role: "user", content: NOTICE_QUESTION }],
        stream: true,
        cited: { top_k: 4 },
      } as OpenAI.ChatCompletionCreateParamsStreaming);
      let text = "";
      let chunks = 0;
      let last: OpenAI.ChatCompletionChunk | null = null;
      for await (const chunk of stream) {
        chunks++;
        text += chunk.choices[0]?.delta.content ?? "";
        last = chunk;
      }
      expect(chunks).toBeGreaterThan(2);
      expect(text).toBe(content);
      expect(last!.choices[0]!.finish_reason).toBe("stop");
      const ext = (last as unknown as WithExtension).cited;
      expect(ext.citations.some((c) => c.page === 2 && c.document_id === msaId)).toBe(true);
    },
    oneAnswer,
  );

  test(
    "a follow-up is rewritten into a standalone question with the earlier turns, shown in `cited`",
    async () => {
      const res = await client("reader").chat.completions.create({
        model: "cited",
        messages: [
          { role: "user", content: "Which state's law governs the master services agreement?" },
          { role: "assistant", content: "The agreement is governed by the laws of the State of Oregon. [1]" },
          {
            role: "user",
            content: "And how many days of notice does it need to be terminated for convenience?",
          },
        ],
        cited: { top_k: 4 },
      } as OpenAI.ChatCompletionCreateParamsNonStreaming);
      const ext = (res as unknown as WithExtension).cited;
      expect(ext.rewritten).toBe(true);
      // The question the user typed names no agreement; the one answered does.
      expect(ext.standalone_question).toMatch(/master services agreement/i);
      expect(ext.citations.some((c) => /ninety \(90\) days/.test(c.quote.replace(/\s+/g, " ")))).toBe(true);
    },
    oneAnswer,
  );

  test(
    "a question the documents do not answer gets an answer saying so, and no citations",
    async () => {
      const res = await client("reader").chat.completions.create({
        model: "cited",
        messages: [
          {
            role: "user",
            content: "Which team won the football world cup in 1998?",
          },
        ],
      });
      const ext = (res as unknown as WithExtension).cited;
      expect(ext.abstained).toBe(true);
      expect(ext.citations).toEqual([]);
      expect(res.choices[0]!.message.content).toMatch(/^The documents do not say/);
      expect(res.choices[0]!.message.content).not.toMatch(/Sources:/);
    },
    oneAnswer,
  );
});
