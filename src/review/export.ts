// A review as a spreadsheet: one row per document, one column per field, and beside each field a
// column with its verified quote and page, so every value can be checked on the page.
import ExcelJS from "exceljs";
import type { CellValue, ReviewCell, ReviewView } from "../../schemas/review.js";

/** A cell's value in words: the normalised value, or the quote for clause fields, or its status. */
export function cellText(cell: ReviewCell | undefined): string {
  if (!cell) return "";
  if (cell.status === "not_found") return "not found";
  const shown = cell.value
    ? valueText(cell.value)
    : (cell.citations[0]?.quote.replace(/\s+/g, " ").trim() ?? "");
  return cell.status === "uncertain" ? `(uncertain) ${shown}`.trim() : shown;
}

/** A normalised value in words. */
export function valueText(value: CellValue): string {
  switch (value.kind) {
    case "date":
    case "duration":
      return value.iso;
    case "money":
      return `${value.amount} ${value.currency}`;
    case "yes_no":
      return value.yes ? "yes" : "no";
    case "text":
      return value.text;
  }
}

/** The evidence column: each quote with its page ("p. 3: “…”"). */
export function evidenceText(cell: ReviewCell | undefined): string {
  if (!cell || cell.citations.length === 0) return "";
  return cell.citations.map((c) => `p. ${c.page}: “${c.quote.replace(/\s+/g, " ").trim()}”`).join("\n");
}

/** Header and rows of the table: document, then per field its value and its evidence. */
export function reviewTable(view: ReviewView): string[][] {
  const header = ["document_id", "title", ...view.fields.flatMap((f) => [f.name, `${f.name} (quote, page)`])];
  const rows = view.rows.map((row) => {
    const byField = new Map(row.cells.map((c) => [c.field, c]));
    return [
      row.document_id,
      row.title,
      ...view.fields.flatMap((f) => [cellText(byField.get(f.name)), evidenceText(byField.get(f.name))]),
    ];
  });
  return [header, ...rows];
}

const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** The table as CSV (RFC 4180, CRLF line ends). */
export function reviewCsv(view: ReviewView): string {
  return `${reviewTable(view)
    .map((r) => r.map(csvField).join(","))
    .join("\r\n")}\r\n`;
}

/** The table as an XLSX workbook (one sheet, header row frozen). */
export async function reviewXlsx(view: ReviewView): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "Cited";
  const sheet = workbook.addWorksheet("Review", { views: [{ state: "frozen", ySplit: 1, xSplit: 2 }] });
  for (const row of reviewTable(view)) sheet.addRow(row);
  sheet.getRow(1).font = { bold: true };
  sheet.columns.forEach((c) => {
    c.width = 30;
  });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
