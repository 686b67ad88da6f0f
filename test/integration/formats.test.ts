// DOCX, HTML, XLSX and e-mail end to end: the real API and worker; an e-mail's attachments become
// documents of their own, linked to the message and queued by the worker.
import { join } from "node:path";
import { docxFile, emlFile, xlsxFile } from "../support/documents.js";
import {
  postJson,
  startService,
  type TestService,
  upload,
  waitForDocuments,
  waitForIndex,
} from "../support/service.js";

let service: TestService;

beforeAll(async () => {
  service = await startService();
}, 180_000);

afterAll(async () => {
  await service?.stop();
});

type Doc = {
  id: string;
  name: string;
  title: string;
  type: string | null;
  status: string;
  tags: string[];
  pages: number | null;
  parent_id: string | null;
  error_code?: string;
};
type Passage = { document_id: string; page_start: number; text: string; section?: string };

const bytes = (s: string) => new TextEncoder().encode(s);

async function search(query: string): Promise<Passage[]> {
  const res = await postJson(service, "/v1/search", { query, top_k: 5 });
  expect(res.status).toBe(200);
  return ((await res.json()) as { passages: Passage[] }).passages;
}

/** The stored row's metadata column, read from the LanceDB folder the service writes. */
async function storedMetadata(id: string): Promise<Record<string, string>> {
  const lancedb = await import("@lancedb/lancedb");
  const db = await lancedb.connect(join(service.dataDir, "lancedb"), { readConsistencyInterval: 0 });
  const table = await db.openTable("documents");
  try {
    const [row] = await table.query().where(`id = '${id}'`).select(["metadata"]).toArray();
    return JSON.parse(String(row.metadata)) as Record<string, string>;
  } finally {
    table.close();
    db.close();
  }
}

describe("more formats", () => {
  const ids: Record<string, string> = {};

  test("an e-mail, a web page and a workbook are ready; the e-mail's attachments become linked documents", async () => {
    const msa = docxFile([
      { text: "Hosting Agreement", style: "Title" },
      { text: "Service Levels", style: "Heading1" },
      {
        text: "The Provider guarantees a monthly uptime of ninety nine point nine percent for the hosting platform.",
      },
    ]);
    const mail = emlFile({
      from: "Dana Legal <dana@example.com>",
      to: "ops@example.com",
      subject: "Signed hosting agreement",
      date: "Mon, 03 Mar 2025 09:00:00 +0000",
      messageId: "<signed-1@example.com>",
      text: "Hi team,\r\nthe signed hosting agreement is attached, together with the rate card.\r\nDana",
      attachments: [
        {
          name: "hosting.docx",
          type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          bytes: msa,
        },
        { name: "rates.csv", type: "text/csv", bytes: bytes("service,rate\nStorage per terabyte,42 EUR\n") },
      ],
    });
    const html = bytes(
      "<!doctype html><html><head><title>Staff Travel Rules</title><script>track()</script></head><body><h1>Travel</h1><p>Economy class is required for flights shorter than six hours.</p></body></html>",
    );
    const xlsx = xlsxFile([
      {
        name: "Budget",
        rows: [
          ["Department", "Budget"],
          ["Marketing", 125000],
        ],
      },
    ]);
    const res = await upload(
      service,
      { "signed.eml": mail, "travel.html": html, "budget.xlsx": xlsx },
      { tags: "inbox" },
    );
    expect(res.status).toBe(202);
    const { documents } = (await res.json()) as { documents: { id: string; name: string }[] };
    for (const d of documents) ids[d.name] = d.id;
    const docs = (await waitForDocuments(service, Object.values(ids))) as Doc[];
    for (const d of docs) expect(d.status).toBe("ready");
    expect(docs.map((d) => d.type)).toEqual(["eml", "html", "xlsx"]);
    expect(docs[0]!.title).toBe("Signed hosting agreement");
    expect(docs[1]!.title).toBe("Staff Travel Rules");

    const list = (await (await service.request("/v1/documents?limit=50")).json()) as { items: Doc[] };
    const children = list.items.filter((d) => d.parent_id === ids["signed.eml"]);
    expect(children.map((c) => c.name).sort()).toEqual(["hosting.docx", "rates.csv"]);
    const done = (await waitForDocuments(
      service,
      children.map((c) => c.id),
    )) as Doc[];
    for (const c of done) {
      expect(c.status).toBe("ready");
      expect(c.tags).toEqual(["inbox"]);
      ids[c.name] = c.id;
    }
    expect(done.find((c) => c.name === "hosting.docx")?.type).toBe("docx");
  });

  test("the e-mail's headers are stored as the document's metadata", async () => {
    expect(await storedMetadata(ids["signed.eml"]!)).toEqual({
      from: '"Dana Legal" <dana@example.com>',
      to: "ops@example.com",
      date: "2025-03-03T09:00:00.000Z",
      subject: "Signed hosting agreement",
      message_id: "<signed-1@example.com>",
    });
  });

  test("search finds words of the attachment, the web page and the workbook", async () => {
    await waitForIndex(service);
    const uptime = await search("monthly uptime guarantee of the hosting platform");
    const hit = uptime.find((p) => /ninety nine point nine percent/.test(p.text));
    expect(hit?.document_id).toBe(ids["hosting.docx"]);
    expect(hit?.page_start).toBe(1);

    const travel = await search("economy class flights shorter than six hours");
    expect(travel[0]?.document_id).toBe(ids["travel.html"]);
    expect(travel[0]?.text).not.toMatch(/track\(\)/);

    const budget = await search("marketing department budget");
    expect(budget.find((p) => p.document_id === ids["budget.xlsx"])?.text).toMatch(/Marketing \| 125000/);
  });
});
