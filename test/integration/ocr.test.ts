// OCR of scanned PDF pages end to end: the real API and worker, pdftoppm and Tesseract, a scan made
// in the test (a pdfkit page rendered to PNG and wrapped, as an image only, in a new PDF).
import { contractPdf, fillerClauses } from "../support/pdfs.js";
import { renderPage, scannedPdf } from "../support/scans.js";
import {
  ingestFiles,
  searchDocument,
  startService,
  storedPage,
  type TestService,
  waitForIndex,
} from "../support/service.js";

let service: TestService;

beforeAll(async () => {
  service = await startService();
}, 180_000);

afterAll(async () => {
  await service?.stop();
});

type Doc = { id: string; status: string; pages: number | null; error?: string; error_code?: string };
type Page = { page: number; text: string; text_source: string; ocr_confidence: number | null };
type Passage = { document_id: string; page_start: number; text: string };

const SCANNED =
  "4.2 Delivery. The Supplier shall deliver the turbine blades to the Rotterdam warehouse within forty five days of each purchase order.";
const TYPED =
  "3.1 Warranty. The Supplier warrants that every gearbox is free from defects in materials and workmanship for twenty four months.";

/** PNG of page 1 of a contract PDF whose first page says `paragraph`. */
async function scanOf(title: string, paragraph: string): Promise<Buffer> {
  const pdf = await contractPdf({ title, pages: [{ paragraphs: [paragraph] }] });
  return renderPage(pdf, 1);
}

const ingest = (files: Record<string, Uint8Array>) => ingestFiles<Doc>(service, files);
const page = (id: string, n: number) => storedPage<Page>(service, id, n);
const search = (query: string, id: string) => searchDocument<Passage>(service, query, id);

describe("OCR of scanned pages", () => {
  let scanId = "";
  let mixedId = "";

  test("a scanned PDF, a mixed PDF and a blank scan are ingested: OCR where needed, no_text when nothing is there", async () => {
    const scan = await scannedPdf([{ image: await scanOf("SUPPLY AGREEMENT", SCANNED) }]);
    const mixed = await scannedPdf([
      // Long enough that page 1 is a passage of its own, apart from the scanned page 2.
      { text: ["WARRANTY TERMS", TYPED, ...fillerClauses(3, 3, "Warranty")] },
      { image: await scanOf("SUPPLY AGREEMENT SCHEDULE", SCANNED) },
    ]);
    const blank = await scannedPdf([{ image: await renderPage(await scannedPdf([{ text: [] }]), 1) }]);
    const [s, m, b] = await ingest({ "scan.pdf": scan, "mixed.pdf": mixed, "blank-scan.pdf": blank });
    expect(s!.status).toBe("ready");
    expect(s!.pages).toBe(1);
    expect(m!.status).toBe("ready");
    expect(m!.pages).toBe(2);
    expect(b!.status).toBe("failed");
    expect(b!.error_code).toBe("no_text");
    scanId = s!.id;
    mixedId = m!.id;
  }, 360_000);

  test("the scanned page has OCR text with its confidence", async () => {
    const p = await page(scanId, 1);
    expect(p.text_source).toBe("ocr");
    expect(p.ocr_confidence).toBeGreaterThan(60);
    expect(p.ocr_confidence).toBeLessThanOrEqual(100);
    expect(p.text).toMatch(/turbine blades to the Rotterdam warehouse/);
  });

  test("the mixed PDF keeps its text layer on page 1 and reads page 2 by OCR", async () => {
    const [one, two] = [await page(mixedId, 1), await page(mixedId, 2)];
    expect(one.text_source).toBe("text-layer");
    expect(one.ocr_confidence).toBeNull();
    expect(one.text).toMatch(/free from defects in materials\s+and workmanship/);
    expect(two.text_source).toBe("ocr");
    expect(two.ocr_confidence).toBeGreaterThan(60);
  });

  test("search finds the words of scanned and typed pages, on their pages", async () => {
    await waitForIndex(service);
    const scanned = await search("turbine blades Rotterdam warehouse delivery", scanId);
    expect(scanned[0]?.document_id).toBe(scanId);
    expect(scanned[0]?.text).toMatch(/Rotterdam warehouse/);

    const typed = await search("gearbox warranty defects in materials", mixedId);
    expect(typed.find((p) => /gearbox/.test(p.text))?.page_start).toBe(1);
    const ocred = await search("turbine blades Rotterdam warehouse delivery", mixedId);
    expect(ocred.find((p) => /Rotterdam warehouse/.test(p.text))?.page_start).toBe(2);
  });
});
