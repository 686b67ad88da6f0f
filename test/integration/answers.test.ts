// /v1/ask end to end with the real chat model, judge, embedder and store: verified citations,
// abstention, Server-Sent Events, disconnects and the bounded queue.
import { languageOf } from "../../src/answer/language.js";
import { isHeadingLine } from "../../src/answer/passages.js";
import { COVENANT, distributorAgreementPdf, servicesAgreementPdf } from "../support/pdfs.js";
import {
  postJson,
  startService,
  type TestService,
  upload,
  waitForDocuments,
  waitForIndex,
} from "../support/service.js";

let service: TestService;
let documentId: string;
let distributorId: string;

/** Each answer may take up to this long (the service's own limit); a test waits for no longer than its answers may take. */
const ASK_TIMEOUT_MS = 300_000;
const oneAnswer = ASK_TIMEOUT_MS + 30_000;

beforeAll(async () => {
  service = await startService({
    GENERATION_PARALLEL: "1",
    GENERATION_QUEUE: "1",
    CHAT_CONTEXT_TOKENS: "3072",
    ASK_TIMEOUT_MS: String(ASK_TIMEOUT_MS),
  });
  const files = {
    "msa.pdf": await servicesAgreementPdf(),
    "distributor.pdf": await distributorAgreementPdf(),
  };
  const res = (await (await upload(service, files)).json()) as { documents: { id: string }[] };
  [documentId, distributorId] = res.documents.map((d) => d.id) as [string, string];
  const docs = await waitForDocuments(service, [documentId, distributorId]);
  for (const doc of docs) expect(doc.status).toBe("ready");
  await waitForIndex(service);
}, 300_000);

afterAll(async () => {
  await service?.stop();
});

type Answer = {
  answer: string;
  abstained: boolean;
  sentences: { text: string; citations: number[] }[];
  citations: {
    n: number;
    document_id: string;
    page: number;
    quote: string;
    char_start: number;
    char_end: number;
    verified: boolean;
  }[];
  passages: { chunk_id: string }[];
  model: string;
  prompt_version: string;
  timings: Record<string, number>;
};

/** Every quote any test was shown, checked for page furniture at the end. */
const shownQuotes: string[] = [];

async function ask(body: Record<string, unknown>): Promise<Answer> {
  const res = await postJson(service, "/v1/ask", body);
  expect(res.status).toBe(200);
  const answer = (await res.json()) as Answer;
  shownQuotes.push(...answer.citations.map((c) => c.quote));
  return answer;
}

const QUESTION = {
  question: "How many days of notice are needed to terminate the agreement for convenience?",
  top_k: 4,
};

/** Parse an SSE body into its events. */
function parseEvents(text: string): { event: string; data: unknown }[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim())
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1] ?? "message";
      const data = JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? "null") as unknown;
      return { event, data };
    });
}

describe("answers that land", () => {
  const scoped = (question: string) => ({ question, top_k: 5, filters: { document_ids: [distributorId] } });

  test(
    "a non-compete the contract calls a “Covenant Not to Compete” is answered and cited on its page",
    async () => {
      const body = await ask(scoped("How long does the distributor non-compete last after termination?"));
      expect(body.abstained).toBe(false);
      const covenant = body.citations.find((c) =>
        /two \(2\) years after the termination/.test(c.quote.replace(/\s+/g, " ")),
      );
      expect(covenant).toBeDefined();
      expect(covenant!.page).toBe(2);
      expect(COVENANT.replace(/\s+/g, " ")).toContain(covenant!.quote.replace(/\s+/g, " ").slice(0, 60));
    },
    oneAnswer,
  );

  test(
    "the governing law is answered once, and “agree as follows” is never the answer",
    async () => {
      const body = await ask(scoped("Which state's law governs the agreement?"));
      expect(body.abstained).toBe(false);
      expect(body.citations.some((c) => /Connecticut/.test(c.quote))).toBe(true);
      const texts = body.sentences.map((s) => s.text.replace(/\s+/g, " ").toLowerCase());
      expect(new Set(texts).size).toBe(texts.length);
      expect(body.answer).not.toMatch(/agree as follows/i);
      for (const c of body.citations) expect(c.quote).not.toMatch(/agree as follows/i);
    },
    oneAnswer,
  );

  test(
    "the warranty period is quoted without the underline rows and line numbers around it",
    async () => {
      const body = await ask(scoped("How long is the warranty period for the Products?"));
      expect(body.abstained).toBe(false);
      const warranty = body.citations.find((c) =>
        /eighteen \(18\) months/.test(c.quote.replace(/\s+/g, " ")),
      );
      expect(warranty).toBeDefined();
    },
    oneAnswer,
  );

  test(
    "a question in Spanish finds the English covenant, is answered in Spanish and quotes it verbatim, on its page",
    async () => {
      const body = await ask(
        scoped("¿Cuánto dura el pacto de no competencia del distribuidor tras la terminación?"),
      );
      expect(body.abstained).toBe(false);
      // The answer's own words are Spanish (a short value, or the quote introduced in Spanish).
      for (const s of body.sentences) expect(languageOf(s.text.replace(/«[^»]*»/g, ""))).toBe("es");
      const covenant = body.citations.find((c) =>
        /two \(2\) years after the termination/.test(c.quote.replace(/\s+/g, " ")),
      );
      expect(covenant?.page).toBe(2);
      expect(covenant?.verified).toBe(true);
    },
    oneAnswer,
  );
});

describe("ask", () => {
  let plain: Answer;

  test(
    "the notice period, stated only on page 2, is answered with a verified citation on page 2",
    async () => {
      plain = await ask(QUESTION);
      expect(plain.abstained).toBe(false);
      expect(plain.citations.length).toBeGreaterThan(0);
      const onPage2 = plain.citations.filter((c) => c.page === 2 && c.document_id === documentId);
      expect(onPage2.length).toBeGreaterThan(0);
      expect(onPage2.some((c) => /ninety \(90\) days/.test(c.quote.replace(/\s+/g, " ")))).toBe(true);
      for (const c of plain.citations) expect(c.verified).toBe(true);
      // The quote is exactly the stored page text at the cited offsets.
      const page = (await (await service.request(`/v1/documents/${documentId}/pages/2`)).json()) as {
        text: string;
      };
      const c = onPage2[0]!;
      expect(page.text.slice(c.char_start, c.char_end)).toBe(c.quote);
      expect(plain.answer).toMatch(/\[\d+\]/);
      expect(plain.model).toBe("qwen2.5-coder-0.5b-instruct");
      expect(plain.prompt_version).toMatch(/^answer-/);
    },
    oneAnswer,
  );

  test(
    "a question about a party that is nowhere in the documents is declined",
    async () => {
      const body = await ask({
        question: "What are Initech Corporation's obligations to Umbrella Health under the agreement?",
        top_k: 4,
      });
      expect(body.abstained).toBe(true);
      expect(body.citations).toHaveLength(0);
      expect(body.answer).toMatch(/^The documents do not say/);
      expect(body.passages.length).toBeGreaterThan(0);
    },
    oneAnswer,
  );

  test(
    "the same question asked in Spanish is declined in Spanish",
    async () => {
      const body = await ask({
        question: "¿Qué obligaciones tiene Initech Corporation con Umbrella Health según el contrato?",
        top_k: 4,
      });
      expect(body.abstained).toBe(true);
      expect(body.citations).toHaveLength(0);
      expect(body.answer).toMatch(/^Los documentos no lo dicen\./);
    },
    oneAnswer,
  );

  test(
    "streaming sends passages, text, citations and a final event equal to the JSON answer",
    async () => {
      const res = await postJson(service, "/v1/ask", { ...QUESTION, stream: true });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
      const events = parseEvents(await res.text());
      const names = events.map((e) => e.event);
      expect(names[0]).toBe("passages");
      expect(names.at(-1)).toBe("done");
      expect(names).toContain("token");
      expect(names.indexOf("citation")).toBeGreaterThan(names.lastIndexOf("token"));
      const done = events.at(-1)!.data as Answer;
      const strip = ({ timings: _t, ...rest }: Answer) => rest;
      expect(strip(done)).toEqual(strip(plain));
      const streamed = events.filter((e) => e.event === "citation").map((e) => e.data);
      expect(streamed).toEqual(done.citations);
    },
    oneAnswer,
  );

  test(
    "a client that disconnects mid-stream frees the model for the next request",
    async () => {
      const res = await postJson(service, "/v1/ask", { ...QUESTION, stream: true });
      const reader = res.body!.getReader();
      await reader.read(); // the passages event: the model is about to read the prompt
      await new Promise((r) => setTimeout(r, 1500)); // well into prompt evaluation
      await reader.cancel();
      const next = await postJson(service, "/v1/ask", QUESTION);
      expect(next.status).toBe(200);
      const body = (await next.json()) as Answer;
      expect(body.abstained).toBe(false);
      // Had the abandoned generation kept its slot, this request would have waited for it to finish.
      expect(body.timings.queue_ms).toBeLessThan(2000);
    },
    oneAnswer,
  );

  test(
    "beyond the slots and the waiting line, requests get 429 with Retry-After, and none hangs",
    async () => {
      // One slot and one place in line: of four at once, at least two are turned away at once.
      const requests = Array.from({ length: 4 }, () => postJson(service, "/v1/ask", QUESTION));
      const responses = await Promise.all(requests);
      const statuses = responses.map((r) => r.status).sort();
      const busy = responses.filter((r) => r.status === 429);
      expect(busy.length).toBeGreaterThanOrEqual(2);
      for (const r of busy) {
        expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect(((await r.json()) as { error: { code: string } }).error.code).toBe("busy");
      }
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
      for (const r of responses.filter((x) => x.status === 200)) await r.json();
      // The two admitted requests run one after the other, each within the service's time limit.
    },
    2 * oneAnswer,
  );

  test("search returns passages from the caller's documents with pages", async () => {
    const res = await postJson(service, "/v1/search", { query: "governing law Oregon", top_k: 3 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      passages: { document_id: string; page_start: number; text: string }[];
    };
    expect(body.passages[0]!.document_id).toBe(documentId);
    expect(body.passages.some((p) => p.page_start === 3 && /Oregon/.test(p.text))).toBe(true);
  });

  test("bad requests get 400 with a message that says what to fix", async () => {
    const empty = await postJson(service, "/v1/ask", { question: "" });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toMatch(
      /question must not be empty/,
    );
    const unknown = await postJson(service, "/v1/search", { query: "x", limit: 3 });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(
      /unknown field "limit"/,
    );
    const broken = await service.request("/v1/ask", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{oops",
    });
    expect(broken.status).toBe(400);
  });
});

// Runs last: every quote shown by the tests above.
test("no quote ever starts or ends with an underline row, a page or line number, or a bare heading", () => {
  expect(shownQuotes.length).toBeGreaterThan(0);
  for (const quote of shownQuotes) {
    const lines = quote
      .trim()
      .split("\n")
      .map((l) => l.trim());
    expect(lines[0]).not.toMatch(/^[-_=]{3,}|^\d{1,3}$/);
    expect(lines.at(-1)).not.toMatch(/[-_=]{3,}$|^\d{1,3}$/);
    expect(lines.some((l) => /^[-_=]{3,}$/.test(l))).toBe(false);
    if (lines.length > 1) expect(isHeadingLine(lines[0]!)).toBe(false);
  }
});
