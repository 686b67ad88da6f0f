// Hostile files for tests, written byte by byte: PDFs that lie about themselves, garbage behind a
// PDF header, HTML nested absurdly deep.

/** A PDF from its objects (numbered from 1), with a correct cross-reference table. */
function pdfFromObjects(objects: string[]): Uint8Array {
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

const CONTENT = "BT /F1 12 Tf 72 720 Td (A page that stands for a million.) Tj ET";
const page = (parent: number) =>
  `<< /Type /Page /Parent ${parent} 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>`;
const shared = [
  `<< /Length ${CONTENT.length} >>\nstream\n${CONTENT}\nendstream`,
  "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
];

/**
 * A 12 KB PDF of 1,000,000 pages: the page tree's root has 1,000 kids that are all the same node,
 * whose 1,000 kids are all the same page, and /Count says 1000000. pdf.js believes it (the last
 * page exists), so the reader must refuse it by its page count before reading any page.
 */
export function millionPagePdf(): Uint8Array {
  const thousand = (ref: number) => Array(1000).fill(`${ref} 0 R`).join(" ");
  return pdfFromObjects([
    "<< /Type /Catalog /Pages 2 0 R >>",
    `<< /Type /Pages /Kids [${thousand(6)}] /Count 1000000 >>`,
    page(6),
    ...shared,
    `<< /Type /Pages /Parent 2 0 R /Kids [${thousand(3)}] /Count 1000 >>`,
  ]);
}

/** A one-page PDF whose /Count claims 1,000,000 pages: pdf.js finds the last page missing and counts the real one. */
export function lyingCountPdf(): Uint8Array {
  return pdfFromObjects([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1000000 >>",
    page(2),
    ...shared,
  ]);
}

/** A PDF header followed by pseudo-random bytes. */
export function garbagePdf(bytes: number, seed = 1): Uint8Array {
  const out = new Uint8Array(bytes);
  out.set(new TextEncoder().encode("%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n"));
  let x = seed >>> 0 || 1;
  for (let i = 64; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** HTML with `depth` nested elements around one sentence, and as many left unclosed after it. */
export function nestedHtml(depth: number, sentence: string): Uint8Array {
  return new TextEncoder().encode(
    `<!doctype html><html><head><title>Deep</title></head><body>${"<div><span>".repeat(depth)}<p>${sentence}</p>${"</span></div>".repeat(depth)}${"<b><i>".repeat(depth)}</body></html>`,
  );
}
