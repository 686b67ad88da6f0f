// Contract review end to end with the real API, worker, Redis, LanceDB, embedder, judge and chat
// model: generated contracts with known clauses (and known absent ones) reviewed through the API.
import ExcelJS from "exceljs";
import { startKeyedService } from "../support/keyed.js";
import { contractPdf, fillerClauses } from "../support/pdfs.js";
import { type TestService, waitForDocuments, waitForIndex } from "../support/service.js";

let service: TestService;
const keys: Record<string, string> = {};
const ids: { team: string; ops: string } = { team: "", ops: "" };

/** A contract with a known governing law, date, initial term, notice period and non-compete, and no insurance clause. */
const teamContract = () =>
  contractPdf({
    title: "SUPPLY AGREEMENT",
    pages: [
      {
        paragraphs: [
          'This Supply Agreement is dated as of March 3, 2021, between Harbor Foods Inc. ("Buyer") and Valley Farms LLC ("Seller").',
          "1. SUPPLY",
          ...fillerClauses(1, 2, "Supply"),
        ],
      },
      {
        paragraphs: [
          "5. TERM AND RENEWAL",
          "5.1 The initial term of this Agreement is three (3) years from the date hereof.",
          "5.2 This Agreement renews automatically for successive one (1) year terms unless either party gives at least sixty (60) days' prior written notice of non-renewal.",
          "6. NON-COMPETITION",
          "6.1 During the term of this Agreement, Seller shall not sell or market any product that competes with the Products to any grocery chain in the State of Ohio.",
        ],
      },
      {
        paragraphs: [
          "9. GOVERNING LAW",
          "9.1 This Agreement is governed by the laws of the State of Ohio, without regard to its conflict of law rules.",
          ...fillerClauses(9, 1, "General"),
        ],
      },
    ],
  });

/** A contract of another group, governed by another law. */
const opsContract = () =>
  contractPdf({
    title: "SERVICES AGREEMENT",
    pages: [
      {
        paragraphs: [
          'This Services Agreement is dated as of July 1, 2022, between Northwind Ltd ("Client") and Contoso Ltd ("Provider").',
          "3. GOVERNING LAW",
          "3.1 This Agreement is governed by the laws of the State of Texas.",
          ...fillerClauses(4, 2, "Service"),
        ],
      },
    ],
  });

const TEMPLATE = {
  name: "deal-check",
  fields: [
    { name: "Governing Law", question: "Which state's law governs the contract?", type: "text" },
    { name: "Agreement Date", question: "What is the date of the contract?", type: "date" },
    {
      name: "Expiration Date",
      question: "On what date will the contract's initial term expire?",
      type: "date",
    },
    {
      name: "Notice Period To Terminate Renewal",
      question: "What is the notice period required to terminate renewal?",
      type: "duration",
    },
    {
      name: "Non-Compete",
      question: "Is there a restriction on the ability of a party to compete with the counterparty?",
      type: "yes_no",
    },
    {
      name: "Insurance",
      question: "Is there a requirement for insurance that must be maintained by one party?",
      type: "clause",
    },
    { name: "Parties", question: "Who are the parties that signed the contract?", type: "party" },
  ],
};

type Cell = {
  field: string;
  status: string;
  value: Record<string, unknown> | null;
  support: number | null;
  citations: { page: number; quote: string; char_start: number; char_end: number; verified: boolean }[];
  searched: { query: string; passages: string[] };
};
type Review = {
  state: string;
  counts: { cells: number; found: number; not_found: number; uncertain: number };
  rows: { document_id: string; cells: Cell[] }[];
};

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const call = (key: string, path: string, init: RequestInit = {}) =>
  service.request(path, { ...init, headers: { ...auth(key), ...(init.headers ?? {}) } });
const post = (key: string, path: string, body: unknown) =>
  call(key, path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

async function uploadAs(key: string, name: string, bytes: Uint8Array, groups: string): Promise<string> {
  const form = new FormData();
  form.append("files", new Blob([new Uint8Array(bytes)]), name);
  form.append("groups", groups);
  const res = await call(key, "/v1/documents", { method: "POST", body: form });
  expect(res.status).toBe(202);
  return ((await res.json()) as { documents: { id: string }[] }).documents[0]!.id;
}

async function getReview(key: string, id: string): Promise<Review> {
  const res = await call(key, `/v1/reviews/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Review;
}

/** Wait until the review has ended; each document takes a few judged fields on this small machine. */
async function finished(key: string, id: string, timeoutMs = 600_000): Promise<Review> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const review = await getReview(key, id);
    if (["completed", "cancelled", "failed"].includes(review.state)) return review;
    if (Date.now() > until)
      throw new Error(`review ${id} still ${review.state}\n${service.logs().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  const keyed = await startKeyedService(
    { GENERATION_PARALLEL: "1" },
    {
      team: { tenant: "legal", groups: ["team"], role: "editor" },
      ops: { tenant: "legal", groups: ["ops"], role: "editor" },
      opsReader: { tenant: "legal", groups: ["ops"], role: "reader" },
      admin: { tenant: "legal", groups: [], role: "admin" },
      other: { tenant: "acme", groups: [], role: "admin" },
    },
  );
  service = keyed.service;
  Object.assign(keys, keyed.tokens);
  ids.team = await uploadAs(keys.team!, "supply.pdf", await teamContract(), "team");
  ids.ops = await uploadAs(keys.ops!, "services.pdf", await opsContract(), "ops");
  await waitForDocuments(service, [ids.team], 300_000, auth(keys.team!));
  await waitForDocuments(service, [ids.ops], 300_000, auth(keys.ops!));
  await waitForIndex(service);
}, 400_000);

afterAll(async () => {
  await service?.stop();
});

describe("a review through the API", () => {
  let reviewId: string;
  let review: Review;

  test("the table is right, every value cites its clause, and absent clauses are not found", async () => {
    const res = await post(keys.admin!, "/v1/reviews", {
      template: TEMPLATE,
      document_ids: [ids.team, ids.ops],
    });
    expect(res.status).toBe(202);
    const created = (await res.json()) as { id: string; documents: number };
    expect(created.documents).toBe(2);
    reviewId = created.id;
    review = await finished(keys.admin!, reviewId);
    expect(review.state).toBe("completed");
    expect(review.counts.cells).toBe(14);
    const row = review.rows.find((r) => r.document_id === ids.team)!;
    const cell = (f: string) => row.cells.find((c) => c.field === f)!;

    expect(cell("Governing Law")).toMatchObject({ status: "found", value: { kind: "text", text: "Ohio" } });
    expect(cell("Governing Law").citations[0]).toMatchObject({ page: 3, verified: true });
    expect(cell("Agreement Date")).toMatchObject({
      status: "found",
      value: { kind: "date", iso: "2021-03-03" },
    });
    // An expiry stated from the contract's date is that date moved on, both quotes cited.
    expect(cell("Expiration Date")).toMatchObject({
      status: "found",
      value: { kind: "date", iso: "2024-03-03" },
    });
    const expiry = cell("Expiration Date").citations.map((c) => c.quote);
    expect(expiry[0]).toBe("three (3) years from the date hereof");
    expect(expiry.at(-1)).toBe("March 3, 2021");
    expect(cell("Notice Period To Terminate Renewal").value).toEqual({ kind: "duration", iso: "P60D" });
    expect(cell("Non-Compete")).toMatchObject({ status: "found", value: { kind: "yes_no", yes: true } });
    expect(cell("Non-Compete").citations[0]!.quote).toMatch(
      /shall not sell or market any product that competes/,
    );
    // Both parties, each cited by its own words.
    expect(cell("Parties")).toMatchObject({
      status: "found",
      value: { kind: "text", text: "Harbor Foods Inc.; Valley Farms LLC" },
    });
    expect(cell("Parties").citations.map((c) => c.quote)).toEqual(["Harbor Foods Inc", "Valley Farms LLC"]);
    // Absent: not found, and what was searched is recorded.
    expect(cell("Insurance").status).toBe("not_found");
    expect(cell("Insurance").citations).toEqual([]);
    expect(cell("Insurance").searched.passages.length).toBeGreaterThan(0);

    // Never a value without a verified quote, and each quote is the stored page text at its offsets.
    for (const c of review.rows.flatMap((r) => r.cells)) {
      if (c.value !== null) expect(c.citations.length).toBeGreaterThan(0);
      for (const q of c.citations) {
        expect(q.verified).toBe(true);
        const doc = review.rows.find((r) => r.cells.includes(c))!.document_id;
        const page = (await (await call(keys.admin!, `/v1/documents/${doc}/pages/${q.page}`)).json()) as {
          text: string;
        };
        expect(page.text.slice(q.char_start, q.char_end)).toBe(q.quote);
      }
    }
  }, 700_000);

  test("the XLSX opens and holds the same cells", async () => {
    const res = await call(keys.admin!, `/v1/reviews/${reviewId}/export?format=xlsx`);
    expect(res.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    const sheet = book.getWorksheet("Review")!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 4)).toEqual([
      "document_id",
      "title",
      "Governing Law",
      "Governing Law (quote, page)",
    ]);
    const team = [2, 3].map((n) => sheet.getRow(n)).find((r) => r.getCell(1).value === ids.team)!;
    expect(team.getCell(3).value).toBe("Ohio");
    expect(String(team.getCell(4).value)).toMatch(/^p\. 3: “.*laws of the State of Ohio/);
    expect(team.getCell(5).value).toBe("2021-03-03");
    const csv = await (await call(keys.admin!, `/v1/reviews/${reviewId}/export?format=csv`)).text();
    expect(csv.split("\r\n").filter(Boolean)).toHaveLength(3);
  });

  test("a reader of another group sees no row of a document they cannot read; another tenant sees no review", async () => {
    const seen = await getReview(keys.opsReader!, reviewId);
    expect(seen.rows.map((r) => r.document_id)).toEqual([ids.ops]);
    const csv = await (await call(keys.opsReader!, `/v1/reviews/${reviewId}/export?format=csv`)).text();
    expect(csv).not.toContain(ids.team);
    expect(csv).not.toContain("Ohio");
    expect((await call(keys.other!, `/v1/reviews/${reviewId}`)).status).toBe(404);
    // Nor may a reviewer name a document they cannot read.
    const res = await post(keys.ops!, "/v1/reviews", { template: "essentials", document_ids: [ids.team] });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(ids.team);
  });
});

describe("re-running one cell", () => {
  test("one cell is filled again with its question in other words; the rest of the table stays", async () => {
    const res = await post(keys.admin!, "/v1/reviews", { template: TEMPLATE, document_ids: [ids.team] });
    const { id } = (await res.json()) as { id: string };
    const before = await finished(keys.admin!, id);
    const question = "Under the laws of which state is this agreement construed?";
    const queued = await post(keys.admin!, `/v1/reviews/${id}/cells`, {
      document_id: ids.team,
      field: "Governing Law",
      question,
    });
    expect(queued.status).toBe(202);
    const lawOf = (r: Review) => r.rows[0]!.cells.find((c) => c.field === "Governing Law")!;
    let after = await getReview(keys.admin!, id);
    for (const until = Date.now() + 300_000; !lawOf(after).searched.query.includes(question); ) {
      if (Date.now() > until)
        throw new Error(`the cell was not filled again\n${service.logs().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 500));
      after = await getReview(keys.admin!, id);
    }
    expect(lawOf(after)).toMatchObject({ status: "found", value: { kind: "text", text: "Ohio" } });
    expect(lawOf(after).citations[0]).toMatchObject({ page: 3, verified: true });
    expect(after.counts.cells).toBe(before.counts.cells);
    const others = (r: Review) => r.rows[0]!.cells.filter((c) => c.field !== "Governing Law");
    expect(others(after)).toEqual(others(before));

    // A field the template lacks is named with the fields it has; a document the caller cannot read
    // is not in their review; another tenant has no such review.
    const wrong = await post(keys.admin!, `/v1/reviews/${id}/cells`, { document_id: ids.team, field: "Law" });
    expect(wrong.status).toBe(400);
    const { error } = (await wrong.json()) as { error: { message: string } };
    expect(error.message).toMatch(/no field "Law".*Governing Law, Agreement Date/);
    const unseen = await post(keys.opsReader!, `/v1/reviews/${id}/cells`, {
      document_id: ids.team,
      field: "Governing Law",
    });
    expect(unseen.status).toBe(400);
    const other = await post(keys.other!, `/v1/reviews/${id}/cells`, {
      document_id: ids.team,
      field: "Governing Law",
    });
    expect(other.status).toBe(404);
  }, 700_000);
});

test("a bad template gets 400 with the field that is wrong", async () => {
  const bad = {
    ...TEMPLATE,
    fields: [TEMPLATE.fields[0], { name: "Term", question: "How long?", type: "years" }],
  };
  const res = await post(keys.team!, "/v1/reviews", { template: bad, document_ids: [ids.team] });
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("invalid_template");
  expect(body.error.message).toMatch(/fields\[1\] \("Term"\)\.type/);
  const unknown = await post(keys.team!, "/v1/reviews", { template: "nda", document_ids: [ids.team] });
  expect(unknown.status).toBe(400);
});

test("cancelling a review stops its jobs", async () => {
  const res = await post(keys.team!, "/v1/reviews", { template: "cuad", document_ids: [ids.team] });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  // Let it start filling cells, then cancel.
  const until = Date.now() + 300_000;
  while ((await getReview(keys.team!, id)).counts.cells < 1 && Date.now() < until)
    await new Promise((r) => setTimeout(r, 250));
  expect((await call(keys.team!, `/v1/reviews/${id}`, { method: "DELETE" })).status).toBe(202);
  const review = await finished(keys.team!, id, 120_000);
  expect(review.state).toBe("cancelled");
  const cells = review.counts.cells;
  expect(cells).toBeLessThan(41);
  // The job stopped: no cell is added after it ended.
  await new Promise((r) => setTimeout(r, 8000));
  expect((await getReview(keys.team!, id)).counts.cells).toBeLessThanOrEqual(cells + 1);
}, 500_000);

test("a document's cited summary: every sentence verified on its page, made once per version", async () => {
  const res = await call(keys.team!, `/v1/documents/${ids.team}/summary`);
  expect(res.status).toBe(200);
  const summary = (await res.json()) as {
    sentences: { topic: string; text: string; citations: number[] }[];
    citations: { n: number; page: number; quote: string; char_start: number; char_end: number }[];
    kept: number;
    proposed: number;
    pages_covered: number[];
    cached: boolean;
  };
  expect(summary.cached).toBe(false);
  expect(summary.sentences.length).toBeGreaterThanOrEqual(2);
  expect(summary.kept).toBe(summary.sentences.length);
  expect(summary.sentences.map((s) => s.text).join(" ")).toContain("between Harbor Foods Inc");
  for (const s of summary.sentences) expect(s.citations.length).toBeGreaterThan(0);
  for (const c of summary.citations) {
    const page = (await (await call(keys.team!, `/v1/documents/${ids.team}/pages/${c.page}`)).json()) as {
      text: string;
    };
    expect(page.text.slice(c.char_start, c.char_end)).toBe(c.quote);
  }
  expect(summary.pages_covered).toEqual([...new Set(summary.citations.map((c) => c.page))].sort());
  const again = (await (
    await call(keys.team!, `/v1/documents/${ids.team}/summary`)
  ).json()) as typeof summary;
  expect(again).toMatchObject({ cached: true, sentences: summary.sentences });
  // Access as everywhere: a reader of another group gets no summary of it.
  expect((await call(keys.opsReader!, `/v1/documents/${ids.team}/summary`)).status).toBe(404);
});
