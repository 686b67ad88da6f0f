// The format readers on real files built in the test: DOCX and XLSX archives, HTML, e-mail, CSV.
import { chunkPages } from "../../ingestion/chunking/chunker.js";
import { detectFileType } from "../../ingestion/detect.js";
import { PermanentIngestError } from "../../ingestion/errors.js";
import { htmlToText } from "../../ingestion/readers/html.js";
import { type ReadLimits, readerFor } from "../../ingestion/readers/index.js";
import { textFromTsv } from "../../ingestion/readers/ocr.js";
import { inspectZip } from "../../ingestion/readers/zip.js";
import { docxBomb, docxFile, emlFile, xlsxFile } from "../support/documents.js";
import { renderPage, scannedPdf } from "../support/scans.js";

const limits: ReadLimits = { maxPages: 100, maxExpandedBytes: 64 * 1024 * 1024 };
/** LibreOffice named by a path that does not exist: office files are read without their layout. */
const withoutLibreOffice: ReadLimits = {
  ...limits,
  office: { converter: "/nonexistent/soffice", timeoutMs: 5000 },
};
const bytes = (s: string) => new TextEncoder().encode(s);
const words = (text: string) => text.split(/\s+/).filter(Boolean).length + 2;

async function refusal(promise: Promise<unknown>): Promise<PermanentIngestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PermanentIngestError) return error;
    throw error;
  }
  throw new Error("the file was accepted");
}

const contractDocx = () =>
  docxFile(
    [
      { text: "Master Services Agreement", style: "Title" },
      { text: "Termination", style: "Heading1" },
      { text: "Either party may terminate this Agreement upon ninety days' prior written notice." },
      { text: "Notice", style: "Heading2" },
      { text: "Notices must be sent by registered mail to the addresses above." },
      { text: "Fees", style: "Heading1" },
      { text: "The Customer shall pay the fees within thirty days of each invoice." },
    ],
    { title: "Master Services Agreement" },
  );

describe("DOCX without LibreOffice", () => {
  test("paragraphs become lines and headings Markdown lines, on one page, with the document's title", async () => {
    const parsed = await readerFor("docx").read(contractDocx(), withoutLibreOffice);
    expect(parsed.pages).toHaveLength(1);
    expect(parsed.pages[0]!.page).toBe(1);
    expect(parsed.pages[0]!.source).toBe("text-layer");
    expect(parsed.pages[0]!.text).toBe(
      [
        "# Master Services Agreement",
        "# Termination",
        "Either party may terminate this Agreement upon ninety days' prior written notice.",
        "## Notice",
        "Notices must be sent by registered mail to the addresses above.",
        "# Fees",
        "The Customer shall pay the fees within thirty days of each invoice.",
      ].join("\n"),
    );
    expect(parsed.title).toBe("Master Services Agreement");
    expect(parsed.markdownHeadings).toBe(true);
    expect(parsed.pageNumbers).toBe("approximate");
    expect(parsed.warnings?.[0]).toMatch(
      /^pages: approximate — this Word \(\.docx\) file was read without its page layout because LibreOffice is not available on this server \(\/nonexistent\/soffice is not installed\)/,
    );
  });

  test("the chunker reads the headings as sections", async () => {
    const parsed = await readerFor("docx").read(contractDocx(), withoutLibreOffice);
    const chunks = chunkPages(parsed.pages, {
      countTokens: words,
      targetTokens: 20,
      minTokens: 1,
      maxTokens: 200,
      markdown: parsed.markdownHeadings,
    });
    const notice = chunks.find((c) => c.text.includes("registered mail"));
    expect(notice?.section).toBe("Termination > Notice");
    expect(chunks.find((c) => c.text.includes("thirty days"))?.section).toBe("Fees");
  });

  test("a decompression bomb is refused before it is unpacked: over the size limit", async () => {
    const bomb = docxBomb(12 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(100 * 1024);
    const e = await refusal(readerFor("docx").read(bomb, { ...limits, maxExpandedBytes: 1_500_000 }));
    expect(e.code).toBe("archive_bomb");
    expect(e.message).toMatch(/expands to more than 1\.5 MB .*MAX_EXPANDED_BYTES.*decompression bomb/);
  });

  test("a decompression bomb is refused for its compression ratio even under the size limit", async () => {
    const e = await refusal(readerFor("docx").read(docxBomb(12 * 1024 * 1024), limits));
    expect(e.code).toBe("archive_bomb");
    expect(e.message).toMatch(/"word\/document\.xml" inside the DOCX file expands more than 200 times/);
  });

  test("the guard counts inflated bytes, not the sizes the headers claim", () => {
    /** The zip with the central directory claiming word/document.xml expands to `claimed` bytes. */
    const lie = (zip: Uint8Array, claimed: number) => {
      const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
      let at = zip.length - 22;
      while (view.getUint32(at, true) !== 0x06054b50) at--;
      let entry = view.getUint32(at + 16, true);
      for (let i = 0; i < view.getUint16(at + 10, true); i++) {
        const nameLength = view.getUint16(entry + 28, true);
        const name = new TextDecoder().decode(zip.subarray(entry + 46, entry + 46 + nameLength));
        if (name === "word/document.xml") view.setUint32(entry + 24, claimed, true);
        entry += 46 + nameLength + view.getUint16(entry + 30, true) + view.getUint16(entry + 32, true);
      }
      return zip;
    };
    const bomb = lie(docxBomb(4 * 1024 * 1024), 100);
    expect(() => inspectZip(bomb, "DOCX", { maxExpandedBytes: 1_000_000 })).toThrow(/decompression bomb/);
    expect(() => inspectZip(bomb, "DOCX", { maxExpandedBytes: 64_000_000 })).toThrow(/decompression bomb/);
    // A harmless file whose header lies is damaged: a reader that trusted the header would misread it.
    expect(() => inspectZip(lie(contractDocx(), 10), "DOCX", limits)).toThrow(/not the size its header says/);
  });

  test("a truncated DOCX is refused as damaged", async () => {
    const file = contractDocx();
    const e = await refusal(readerFor("docx").read(file.subarray(0, file.length - 40), limits));
    expect(e.code).toBe("unreadable");
    expect(e.message).toMatch(/not a readable DOCX file .*save it again/);
  });
});

describe("HTML", () => {
  const page = `<!DOCTYPE html>
<html><head><title>Refund  Policy</title><style>body { color: red }</style>
<script>var secret = "do not index";</script></head>
<body><nav>Home</nav>
<h1>Refunds</h1><p>Refunds are paid within <b>14 days</b> &amp; by bank transfer.</p>
<noscript>Enable JavaScript</noscript><template><p>template text</p></template>
<svg><title>icon</title><text>svg text</text></svg>
<h2>Exceptions</h2><ul><li>Gift cards</li><li>Sale items</li></ul>
<table><tr><th>Item</th><th>Days</th></tr><tr><td>Books</td><td>30</td></tr></table>
<script>document.write("<p>written</p>")</script></body></html>`;

  test("main text only, blocks as lines, headings as # lines, <title> as the title", async () => {
    const parsed = await readerFor("html").read(bytes(page), limits);
    expect(parsed.title).toBe("Refund Policy");
    expect(parsed.pages).toHaveLength(1);
    expect(parsed.pages[0]!.text).toBe(
      [
        "Home",
        "# Refunds",
        "Refunds are paid within 14 days & by bank transfer.",
        "## Exceptions",
        "Gift cards",
        "Sale items",
        "Item | Days",
        "Books | 30",
      ].join("\n"),
    );
    expect(parsed.markdownHeadings).toBe(true);
  });

  test("100,000 nested <div> are read in linear time, closed or not", () => {
    const depth = 100_000;
    const started = performance.now();
    const closed = htmlToText(
      `<html><body>${"<div>".repeat(depth)}deep text${"</div>".repeat(depth)}</body></html>`,
    );
    const open = htmlToText(`${"<div><span>".repeat(depth)}still here`);
    expect(closed.text).toBe("deep text");
    expect(open.text).toBe("still here");
    expect(performance.now() - started).toBeLessThan(3000);
  });

  test("a <head> left open ends where the body's content begins; <pre> keeps its lines", () => {
    const { text, title } = htmlToText("<head><title>T</title><p>First</p><pre>a  b\n  c</pre>");
    expect(title).toBe("T");
    expect(text).toBe("First\na  b\n  c");
  });
});

describe("e-mail", () => {
  const attachment = bytes("Invoice 42: 1,200 EUR due on 1 March.");

  test("headers become metadata, the body the page, attached files attachments", async () => {
    const mail = emlFile({
      from: "Alice Martin <alice@example.com>",
      to: "Bob <bob@example.com>",
      cc: "carol@example.com",
      subject: "Invoice for March",
      date: "Tue, 04 Mar 2025 10:15:00 +0000",
      messageId: "<msg-1@example.com>",
      text: "Hello Bob,\r\nplease find the invoice attached.\r\nAlice",
      attachments: [{ name: "invoice-42.txt", type: "text/plain", bytes: attachment }],
    });
    const parsed = await readerFor("eml").read(mail, limits);
    expect(parsed.metadata).toEqual({
      from: '"Alice Martin" <alice@example.com>',
      to: '"Bob" <bob@example.com>',
      cc: "carol@example.com",
      date: "2025-03-04T10:15:00.000Z",
      subject: "Invoice for March",
      message_id: "<msg-1@example.com>",
    });
    expect(parsed.title).toBe("Invoice for March");
    expect(parsed.pages).toEqual([
      { page: 1, text: "Hello Bob,\nplease find the invoice attached.\nAlice", source: "text-layer" },
    ]);
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments![0]!.name).toBe("invoice-42.txt");
    expect(Buffer.from(parsed.attachments![0]!.bytes).equals(Buffer.from(attachment))).toBe(true);
  });

  test("an HTML-only body is read with the HTML reader", async () => {
    const mail = emlFile({
      from: "a@example.com",
      to: "b@example.com",
      subject: "Minutes",
      date: "Tue, 04 Mar 2025 10:15:00 +0000",
      messageId: "<msg-2@example.com>",
      html: "<html><head><style>p{}</style></head><body><h1>Minutes</h1><p>The board approved the budget.</p></body></html>",
    });
    const parsed = await readerFor("eml").read(mail, limits);
    expect(parsed.pages[0]!.text).toBe("# Minutes\nThe board approved the budget.");
    expect(parsed.attachments).toBeUndefined();
  });
});

describe("CSV and XLSX", () => {
  test("CSV rows become lines, quoted fields kept whole", async () => {
    const csv = 'name,role,note\r\n"Martin, Alice",CFO,"said ""yes"""\r\nBob,CTO,"two\nlines"\r\n\r\n';
    const parsed = await readerFor("csv").read(bytes(`\uFEFF${csv}`), limits);
    expect(parsed.pages).toEqual([
      {
        page: 1,
        text: 'name | role | note\nMartin, Alice | CFO | said "yes"\nBob | CTO | two lines',
        source: "text-layer",
      },
    ]);
  });

  test("semicolon-separated CSV is read by its own delimiter", async () => {
    const parsed = await readerFor("csv").read(bytes("a;b\n1,5;2\n"), limits);
    expect(parsed.pages[0]!.text).toBe("a | b\n1,5 | 2");
  });

  test("XLSX: one page per sheet, shared strings, numbers and dates", async () => {
    const file = xlsxFile([
      {
        name: "Invoices",
        rows: [
          ["Client", "Amount", "Due"],
          ["Northwind", 1200.5, new Date(Date.UTC(2025, 2, 1))],
        ],
      },
      { name: "Notes", rows: [["Paid late twice"]] },
    ]);
    const parsed = await readerFor("xlsx").read(file, limits);
    expect(parsed.pages).toEqual([
      {
        page: 1,
        text: "# Invoices\nClient | Amount | Due\nNorthwind | 1200.5 | 2025-03-01",
        source: "text-layer",
      },
      { page: 2, text: "# Notes\nPaid late twice", source: "text-layer" },
    ]);
    expect(parsed.markdownHeadings).toBe(true);
  });

  test("an XLSX bomb is refused like a DOCX one", async () => {
    const bomb = xlsxFile([{ name: "S", rows: [["x".repeat(3 * 1024 * 1024)]] }]);
    const e = await refusal(readerFor("xlsx").read(bomb, limits));
    expect(e.code).toBe("archive_bomb");
  });
});

describe("type detection", () => {
  const files: [string, string, () => Uint8Array][] = [
    ["contract.docx", "docx", () => contractDocx()],
    ["book.xlsx", "xlsx", () => xlsxFile([{ name: "S", rows: [["a"]] }])],
    ["page.html", "html", () => bytes("<!doctype html><p>x</p>")],
    ["saved.htm", "html", () => bytes("<p>no doctype</p>")],
    [
      "message.eml",
      "eml",
      () =>
        emlFile({
          from: "a@x",
          to: "b@x",
          subject: "s",
          date: "Tue, 04 Mar 2025 10:15:00 +0000",
          messageId: "<m@x>",
          text: "t",
        }),
    ],
    ["table.csv", "csv", () => bytes("a,b\n1,2\n")],
  ];
  test.each(files)("%s is %s", (name, type, make) => {
    expect(detectFileType(make(), name)).toBe(type);
  });

  test("a DOCX renamed .xlsx is refused as mislabelled", () => {
    expect(() => detectFileType(contractDocx(), "book.xlsx")).toThrow(/named \.xlsx but is not a XLSX/);
  });
});

describe("OCR output", () => {
  test("Tesseract TSV becomes lines and paragraphs with the mean word confidence", () => {
    const header =
      "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext";
    const row = (b: number, p: number, l: number, w: number, conf: number, text: string) =>
      `5\t1\t${b}\t${p}\t${l}\t${w}\t0\t0\t10\t10\t${conf}\t${text}`;
    const tsv = [
      header,
      "1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t",
      row(1, 1, 1, 1, 90, "Either"),
      row(1, 1, 1, 2, 80, "party"),
      row(1, 1, 2, 1, 70, "may"),
      row(1, 2, 1, 1, 60, "terminate."),
      row(1, 2, 1, 2, -1, ""),
    ].join("\n");
    expect(textFromTsv(tsv)).toEqual({ text: "Either party\nmay\n\nterminate.", confidence: 75, words: 4 });
  });
});

describe("PDF pages without a text layer when OCR tools are missing", () => {
  const TYPED =
    "Either party may terminate this Agreement upon ninety days' prior written notice to the other.";
  let path: string | undefined;
  beforeEach(() => {
    path = process.env.PATH;
  });
  afterEach(() => {
    process.env.PATH = path;
  });

  test("a mixed PDF keeps its text page, marks the scan failed and says why; a scan alone is no_text", async () => {
    const scan = await renderPage(await scannedPdf([{ text: [TYPED] }]), 1, 100);
    const mixed = await scannedPdf([{ text: [TYPED] }, { image: scan }]);
    const only = await scannedPdf([{ image: scan }]);
    // The children look the tools up on PATH: an empty one makes them missing.
    process.env.PATH = "/nonexistent";
    const parsed = await readerFor("pdf").read(mixed, limits);
    expect(parsed.pages.map((p) => p.source)).toEqual(["text-layer", "failed"]);
    expect(parsed.warnings?.join(" ")).toMatch(/OCR is not available: pdftoppm is not installed/);
    const e = await refusal(readerFor("pdf").read(only, limits));
    expect(e.code).toBe("no_text");
    expect(e.message).toMatch(/OCR cannot run on this server \(pdftoppm is not installed/);
  });
});
