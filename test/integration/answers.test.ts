// /v1/ask end to end with the real chat model, judge, embedder and store: verified citations,
// abstention, Server-Sent Events, disconnects and the bounded queue.
import { servicesAgreementPdf } from "../support/pdfs.js";
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

beforeAll(async () => {
  service = await startService({
    GENERATION_PARALLEL: "1",
    GENERATION_QUEUE: "1",
    CHAT_CONTEXT_TOKENS: "3072",
  });
  const pdf = await servicesAgreementPdf();
  const res = (await (await upload(service, { "msa.pdf": pdf })).json()) as { documents: { id: string }[] };
  documentId = res.documents[0]!.id;
  const [doc] = await waitForDocuments(service, [documentId]);
  expect(doc!.status).toBe("ready");
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

describe("ask", () => {
  let plain: Answer;

  test("the notice period, stated only on page 2, is answered with a verified citation on page 2", async () => {
    const res = await postJson(service, "/v1/ask", QUESTION);
    expect(res.status).toBe(200);
    plain = (await res.json()) as Answer;
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
  });

  test("a question about a party that is nowhere in the documents is declined", async () => {
    const res = await postJson(service, "/v1/ask", {
      question: "What are Initech Corporation's obligations to Umbrella Health under the agreement?",
      top_k: 4,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Answer;
    expect(body.abstained).toBe(true);
    expect(body.citations).toHaveLength(0);
    expect(body.answer).toMatch(/^The documents do not say/);
    expect(body.passages.length).toBeGreaterThan(0);
  });

  test("streaming sends passages, text, citations and a final event equal to the JSON answer", async () => {
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
  });

  test("a client that disconnects mid-stream frees the model for the next request", async () => {
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
  });

  test("beyond the slots and the waiting line, requests get 429 with Retry-After, and none hangs", async () => {
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
  });

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
