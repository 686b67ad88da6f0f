// Real PDFs for tests, written with pdfkit: contracts with numbered clauses, a running header and
// footer on every page, optional table rows, and optional password protection.
import PDFDocument from "pdfkit";

export interface ContractPage {
  /** Paragraphs of the page, in order (each starts on its own line). */
  paragraphs: string[];
  /** Rows of a two-column table drawn after the paragraphs. */
  table?: [string, string][];
}

export interface ContractSpec {
  title: string;
  pages: ContractPage[];
  /** Running header on every page. */
  header?: string;
  /** A password: the PDF is encrypted and cannot be opened without it. */
  userPassword?: string;
}

/** Write a contract PDF and return its bytes. */
export function contractPdf(spec: ContractSpec): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      autoFirstPage: false,
      size: "LETTER",
      margins: { top: 72, bottom: 72, left: 72, right: 72 },
      info: { Title: spec.title },
      ...(spec.userPassword
        ? {
            userPassword: spec.userPassword,
            ownerPassword: `${spec.userPassword}-owner`,
            pdfVersion: "1.7" as const,
          }
        : {}),
    });
    const chunks: Buffer[] = [];
    doc.on("data", (c: Buffer) => chunks.push(c));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
    spec.pages.forEach((page, i) => {
      doc.addPage();
      doc.fontSize(8).text(spec.header ?? `${spec.title} — Confidential`, 72, 40, { lineBreak: false });
      doc.fontSize(11).text("", 72, 72);
      if (i === 0) doc.fontSize(14).text(spec.title, { align: "center" }).moveDown().fontSize(11);
      for (const p of page.paragraphs) doc.text(p, { align: "left" }).moveDown(0.5);
      if (page.table) {
        for (const [a, b] of page.table) {
          const y = doc.y;
          doc.text(a, 72, y, { width: 200 });
          doc.text(b, 300, y, { width: 240 });
          doc.moveDown(0.3);
        }
      }
      doc.fontSize(8).text(`Page ${i + 1} of ${spec.pages.length}`, 72, 740, { lineBreak: false });
    });
    doc.end();
  });
}

/** Filler clauses so a page looks like a contract page. */
export function fillerClauses(section: number, count: number, topic: string): string[] {
  return Array.from(
    { length: count },
    (_, i) =>
      `${section}.${i + 1} ${topic} Obligations. Each party shall perform its ${topic.toLowerCase()} obligations under this Agreement in good faith, with reasonable care and in accordance with applicable law, and shall keep records sufficient to show compliance with this Section ${section}.${i + 1} for the duration of the Term.`,
  );
}

/** The notice clause of {@link servicesAgreementPdf}: stated on page 2 and nowhere else. */
export const NOTICE =
  "Either party may terminate this Agreement for convenience upon ninety (90) days' prior written notice to the other party.";

/** A three-page services agreement: parties on page 1, the notice period on page 2, Oregon law on page 3. */
export function servicesAgreementPdf(): Promise<Buffer> {
  return contractPdf({
    title: "MASTER SERVICES AGREEMENT",
    pages: [
      {
        paragraphs: [
          'This Master Services Agreement is made between Acme Corp. ("Customer") and Globex LLC ("Supplier").',
          "1. SERVICES",
          ...fillerClauses(1, 2, "Service"),
        ],
      },
      {
        paragraphs: [
          "8. TERMINATION",
          `8.1 Termination for Convenience. ${NOTICE}`,
          "8.2 Termination for Cause. Either party may terminate this Agreement at once if the other party commits a material breach.",
        ],
      },
      {
        paragraphs: [
          "12. GOVERNING LAW",
          "12.1 This Agreement is governed by the laws of the State of Oregon.",
          ...fillerClauses(12, 1, "General"),
        ],
      },
    ],
  });
}

/** The non-compete of {@link distributorAgreementPdf}: on page 2, and it never says "non-compete". */
export const COVENANT =
  "4.4 Covenant Not to Compete. During the term of this Agreement and for a period of two (2) years after the termination hereof, Distributor will not market, sell or distribute in the Territory any product that competes with the Products.";

/**
 * A distributor agreement the way scanned-and-converted contracts look: underline rows drawn under
 * headings, running line numbers in the margin, a cancellation clause that shares words with a
 * non-compete question, and the covenant not to compete on page 2.
 */
export function distributorAgreementPdf(): Promise<Buffer> {
  return contractPdf({
    title: "EXCLUSIVE DISTRIBUTOR AGREEMENT",
    pages: [
      {
        paragraphs: [
          "THE PARTIES HERETO AGREE AS FOLLOWS:",
          'This Distributor Agreement is made between Nordwind Instruments GmbH ("Company") and Lakeshore Supply Inc. ("Distributor").',
          "1. APPOINTMENT",
          "1.1 Company appoints Distributor as its exclusive distributor of the Products in the State of Michigan (the Territory).",
          "10",
          "11",
          "2. CANCELLATION",
          "2.1 Cancellation. Either party may cancel this Agreement after the termination of the first year upon sixty (60) days' written notice, and the Distributor will then return all unsold Products.",
          ...fillerClauses(3, 2, "Marketing"),
        ],
      },
      {
        paragraphs: [
          "4. OBLIGATIONS OF DISTRIBUTOR",
          "4.1 Distributor shall keep an inventory of Products sufficient to meet customer demand in the Territory.",
          COVENANT,
          "-----------------------------",
          "5.1 Limited Warranty.",
          "-----------------------------",
          "Company warrants that the Products will be free from defects in material and workmanship for a period of eighteen (18) months from the date of delivery.",
          "12",
          "13",
          "6. GOVERNING LAW",
          "6.1 This Agreement shall be governed by the laws of the State of Connecticut.",
        ],
      },
    ],
  });
}
