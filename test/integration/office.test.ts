// Documents as lawyers have them, end to end through the real API, worker and tools: a Word file laid
// out by LibreOffice and found on the page Word prints, the same file without
// LibreOffice (pages approximate), an Outlook .msg with two attachments, a two-page TIFF and a
// Spanish PNG scan read by Tesseract (eng+spa), and a Windows-1252 text file; LibreOffice fetches
// nothing a document links to.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import iconv from "iconv-lite";
import { type ReadLimits, readerFor } from "../../ingestion/readers/index.js";
import { docxFile, emlFile } from "../support/documents.js";
import { convertWithLibreOffice, flatPresentation, odtWithLinkedImage } from "../support/office.js";
import { msgFile } from "../support/outlook.js";
import { contractPdf, fillerClauses, NOTICE } from "../support/pdfs.js";
import { renderPage, tiffScan } from "../support/scans.js";
import {
  ingestFiles,
  postJson,
  searchDocument,
  startService,
  storedPage,
  type TestService,
  waitForDocuments,
  waitForIndex,
} from "../support/service.js";

let service: TestService;

beforeAll(async () => {
  // The default OCR_LANGUAGES (eng+spa).
  service = await startService();
}, 180_000);

afterAll(async () => {
  await service?.stop();
});

type Doc = {
  id: string;
  name: string;
  status: string;
  type: string | null;
  pages: number | null;
  parent_id: string | null;
  page_numbers: string | null;
  notes: string[];
  error?: string;
};
type Page = { page: number; text: string; text_source: string; ocr_confidence: number | null };
type Passage = { document_id: string; page_start: number; page_end: number; text: string; section: string };

const ingest = (files: Record<string, Uint8Array>) => ingestFiles<Doc>(service, files);
const page = (id: string, n: number) => storedPage<Page>(service, id, n);
const search = (query: string, id: string) => searchDocument<Passage>(service, query, id);

/** A services agreement in Word with hard page breaks: the notice clause is on page 3 only. */
function agreementDocx(): Uint8Array {
  return docxFile([
    { text: "MASTER SERVICES AGREEMENT", style: "Title" },
    {
      text: 'This Master Services Agreement is made between Acme Corp. ("Customer") and Globex LLC ("Supplier").',
    },
    { text: "Services", style: "Heading1" },
    ...fillerClauses(1, 3, "Service").map((text) => ({ text })),
    { text: "Fees", style: "Heading1", pageBreakBefore: true },
    ...fillerClauses(5, 3, "Payment").map((text) => ({ text })),
    { text: "Termination", style: "Heading1", pageBreakBefore: true },
    { text: `8.1 Termination for Convenience. ${NOTICE}` },
    {
      text: "8.2 Termination for Cause. Either party may terminate this Agreement at once if the other party commits a material breach.",
    },
  ]);
}

const SPANISH =
  "La arrendataria podrá rescindir el contrato con un preaviso de noventa días, mediante notificación escrita.";

describe("office files, mail, scans and code pages", () => {
  const ids: Record<string, string> = {};

  test("all of them are ready, with their types and page counts", async () => {
    const twoPages = await contractPdf({
      title: "LEASE AGREEMENT",
      pages: [
        {
          paragraphs: [
            "1. PREMISES",
            "1.1 The Landlord leases to the Tenant the warehouse at 12 Harbour Road.",
          ],
        },
        { paragraphs: ["7. RENT", "7.1 The Tenant shall pay a monthly rent of four thousand euros."] },
      ],
    });
    const spanishScan = await renderPage(
      await contractPdf({ title: "CONTRATO DE ARRENDAMIENTO", pages: [{ paragraphs: [SPANISH] }] }),
      1,
    );
    const mail = msgFile({
      subject: "Signed agreement and rate card",
      from: { name: "Dana Legal", email: "dana@example.com" },
      to: { name: "Operations", email: "ops@example.com" },
      date: new Date("2025-03-03T09:00:00Z"),
      body: "Hi team,\r\nthe signed agreement and the rate card are attached.\r\nDana",
      attachments: [
        {
          name: "rates.csv",
          bytes: new TextEncoder().encode("service,rate\nCold storage per pallet,17 EUR\n"),
        },
        {
          name: "cover.txt",
          bytes: new TextEncoder().encode("Cover note: the courier delivers the originals on Friday."),
        },
      ],
    });
    const latin = iconv.encode("Nota: el café cuesta 3 € en la cafetería del edificio.\r\n", "windows-1252");
    const docs = await ingest({
      "agreement.docx": agreementDocx(),
      "signed.msg": mail,
      "lease.tiff": await tiffScan(twoPages),
      "contrato.png": spanishScan,
      "nota.txt": latin,
    });
    for (const d of docs) {
      expect(d.status).toBe("ready");
      ids[d.name] = d.id;
    }
    expect(docs.map((d) => [d.type, d.pages])).toEqual([
      ["docx", 3],
      ["msg", 1],
      ["tiff", 2],
      ["png", 1],
      ["text", 1],
    ]);
    expect(docs[0]!.page_numbers).toBe("as-printed");
    expect(docs[0]!.notes).toEqual([]);
  }, 360_000);

  test("the Word file's clause is found on page 3, the page Word prints, under its heading", async () => {
    await waitForIndex(service);
    const hits = await search("terminate for convenience ninety days notice", ids["agreement.docx"]!);
    const clause = hits.find((p) => p.text.includes("ninety (90) days' prior written notice"));
    expect(clause?.page_start).toBe(3);
    expect(clause?.section).toMatch(/^Termination > 8\.1 Termination for Convenience/);
    expect((await page(ids["agreement.docx"]!, 3)).text).toMatch(/ninety \(90\) days' prior written notice/);
  });

  test("an answer from the Word file cites the clause as “§ 8.1, page 3”", async () => {
    const res = await postJson(service, "/v1/ask", {
      question: "How many days of notice are needed to terminate the agreement for convenience?",
      top_k: 4,
      filters: { document_ids: [ids["agreement.docx"]!] },
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as {
      abstained: boolean;
      citations: { page: number; section: string; quote: string }[];
    };
    expect(answer.abstained).toBe(false);
    const notice = answer.citations.find((c) => /ninety \(90\) days/.test(c.quote.replace(/\s+/g, " ")));
    expect(notice).toMatchObject({
      page: 3,
      section: expect.stringMatching(/^Termination > 8\.1 Termination for Convenience/),
    });
  }, 300_000);

  test("the Outlook message's two attachments become documents linked to it", async () => {
    const list = (await (await service.request("/v1/documents?limit=50")).json()) as { items: Doc[] };
    const children = list.items.filter((d) => d.parent_id === ids["signed.msg"]);
    expect(children.map((c) => c.name).sort()).toEqual(["cover.txt", "rates.csv"]);
    const done = (await waitForDocuments(
      service,
      children.map((c) => c.id),
    )) as Doc[];
    for (const c of done) expect(c.status).toBe("ready");
    expect((await page(ids["signed.msg"]!, 1)).text).toMatch(
      /signed agreement and the rate card are attached/,
    );
  });

  test("each TIFF page is read by OCR on its own page, with its confidence", async () => {
    const [one, two] = [await page(ids["lease.tiff"]!, 1), await page(ids["lease.tiff"]!, 2)];
    expect(one.text_source).toBe("ocr");
    expect(one.text).toMatch(/warehouse at 12 Harbour Road/);
    expect(two.text_source).toBe("ocr");
    expect(two.ocr_confidence).toBeGreaterThan(60);
    expect(two.text).toMatch(/monthly rent of four thousand euros/);
  });

  test("the Spanish scan is read with its accents (Tesseract's Spanish data)", async () => {
    const p = await page(ids["contrato.png"]!, 1);
    expect(p.text_source).toBe("ocr");
    expect(p.text).toMatch(/podrá rescindir el contrato/);
    expect(p.text).toMatch(/noventa días/);
  });

  test("a Windows-1252 text keeps its é and €", async () => {
    expect((await page(ids["nota.txt"]!, 1)).text).toBe(
      "Nota: el café cuesta 3 € en la cafetería del edificio.\n",
    );
  });

  test("without LibreOffice the Word file is still read, its pages marked approximate", async () => {
    await service.killWorker("SIGTERM");
    service.env.OFFICE_CONVERTER = "/nonexistent/soffice";
    await service.startWorker();
    const bytes = docxFile([
      { text: "Addendum", style: "Title" },
      { text: "The Supplier shall keep spare turbine blades in stock at all times." },
      { text: "Term", style: "Heading1", pageBreakBefore: true },
      { text: "This addendum ends with the agreement." },
    ]);
    const [doc] = await ingest({ "addendum.docx": bytes });
    expect(doc!.status).toBe("ready");
    expect(doc!.page_numbers).toBe("approximate");
    expect(doc!.pages).toBe(1);
    expect(doc!.notes[0]).toMatch(
      /^pages: approximate — this Word \(\.docx\) file was read without its page layout/,
    );
    expect((await page(doc!.id, 1)).text).toMatch(/spare turbine blades/);
  }, 180_000);

  test("attachment caps: past MAX_ATTACHMENTS and below MAX_ATTACHMENT_DEPTH, attachments are named in notes, not read", async () => {
    await service.killWorker("SIGTERM");
    Object.assign(service.env, { MAX_ATTACHMENTS: "1", MAX_ATTACHMENT_DEPTH: "1" });
    await service.startWorker();
    const inner = msgFile({
      subject: "Inner message",
      from: { name: "Ana Ruiz", email: "ana@example.com" },
      to: { name: "Legal", email: "legal@example.com" },
      date: new Date("2025-03-04T09:00:00Z"),
      body: "The inner message carries the draft.",
      attachments: [
        { name: "draft.txt", bytes: new TextEncoder().encode("Draft clause about warehouse rent.") },
      ],
    });
    const outer = emlFile({
      from: "dana@example.com",
      to: "ops@example.com",
      subject: "Forwarded thread",
      date: "Tue, 04 Mar 2025 10:00:00 +0000",
      messageId: "<forwarded-1@example.com>",
      text: "Forwarding the thread.",
      attachments: [
        { name: "inner.msg", type: "application/vnd.ms-outlook", bytes: inner },
        { name: "extra.txt", type: "text/plain", bytes: new TextEncoder().encode("An extra note.") },
      ],
    });
    const [message] = await ingest({ "forwarded.eml": outer });
    expect(message!.status).toBe("ready");
    expect(message!.notes).toEqual([
      "1 of the 2 attachments were not read, over the limit of 1 per message (MAX_ATTACHMENTS): extra.txt",
    ]);
    const list = (await (await service.request("/v1/documents?limit=100")).json()) as { items: Doc[] };
    const children = list.items.filter((d) => d.parent_id === message!.id);
    expect(children.map((c) => c.name)).toEqual(["inner.msg"]);
    const [msg] = (await waitForDocuments(service, [children[0]!.id])) as Doc[];
    expect(msg!.status).toBe("ready");
    expect(msg!.notes).toEqual([
      "its 1 attachment(s) were not read: the message is itself an attachment 1 level(s) deep, and MAX_ATTACHMENT_DEPTH=1 follows no deeper",
    ]);
    const after = (await (await service.request("/v1/documents?limit=100")).json()) as { items: Doc[] };
    expect(after.items.filter((d) => d.parent_id === msg!.id)).toEqual([]);
  }, 180_000);
});

describe("older and other office formats, with and without LibreOffice (the readers alone)", () => {
  const limits: ReadLimits = { maxPages: 100, maxExpandedBytes: 64 * 1024 * 1024 };
  const without: ReadLimits = { ...limits, office: { converter: "/nonexistent/soffice", timeoutMs: 5000 } };
  const files: Record<string, Uint8Array> = {};

  beforeAll(async () => {
    const docx = agreementDocx();
    for (const ext of ["doc", "rtf", "odt"]) files[ext] = await convertWithLibreOffice(docx, "docx", ext);
    files.pptx = await convertWithLibreOffice(
      flatPresentation([
        ["Scope", "Hosting and support for the retail platform"],
        ["Pricing", "Ten euros per seat and month"],
      ]),
      "fodp",
      "pptx",
    );
  }, 300_000);

  test.each(["doc", "rtf", "odt"] as const)(
    "a Word file saved as .%s: three printed pages with LibreOffice, the text without it",
    async (ext) => {
      const printed = await readerFor(ext).read(files[ext]!, limits);
      expect(printed.pageNumbers).toBe("as-printed");
      expect(printed.pages).toHaveLength(3);
      expect(printed.pages[2]!.text).toMatch(/ninety \(90\) days' prior written notice/);
      expect(printed.pages[0]!.text).not.toMatch(/ninety \(90\) days/);
      const plain = await readerFor(ext).read(files[ext]!, without);
      expect(plain.pageNumbers).toBe("approximate");
      expect(plain.warnings?.[0]).toMatch(
        /^pages: approximate — this .* file was read without its page layout/,
      );
      expect(plain.pages.map((p) => p.text).join("\n")).toMatch(/ninety \(90\) days' prior written notice/);
    },
    120_000,
  );

  test("a PowerPoint file: a page per slide, with LibreOffice or without", async () => {
    for (const settings of [limits, without]) {
      const parsed = await readerFor("pptx").read(files.pptx!, settings);
      expect(parsed.pages).toHaveLength(2);
      expect(parsed.pages[1]!.text).toMatch(/Ten euros per seat and month/);
      expect(parsed.pageNumbers).toBe(settings === limits ? "as-printed" : "approximate");
    }
  }, 120_000);
});

describe("LibreOffice fetches nothing from outside", () => {
  test("a picture linked from a web address is not requested while the document is laid out", async () => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const odt = odtWithLinkedImage("Tracking test paragraph.", `http://127.0.0.1:${port}/pixel.png`);
      const parsed = await readerFor("odt").read(odt, { maxPages: 10, maxExpandedBytes: 64 * 1024 * 1024 });
      expect(parsed.pageNumbers).toBe("as-printed");
      expect(parsed.pages[0]!.text).toMatch(/Tracking test paragraph\./);
      expect(requests).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 120_000);
});
