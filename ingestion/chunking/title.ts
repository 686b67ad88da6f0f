import { detectHeading } from "./structure.js";

const DOCUMENT_WORDS =
  /\b(agreement|contract|amendment|addendum|license|lease|policy|plan|terms|charter|bylaws|memorandum|report|statement|notice|letter|deed|warrant|note|indenture|certificate)\b/i;

/**
 * The title of a document: its metadata title when that looks real, else the first heading on the
 * first page that names a kind of document ("SERVICES AGREEMENT"), else the first heading, else the file name.
 */
export function documentTitle(firstPageText: string, fileName: string, metadataTitle?: string): string {
  const base = fileName.replace(/\.[a-z0-9]{1,5}$/i, "");
  if (metadataTitle && DOCUMENT_WORDS.test(metadataTitle) && metadataTitle.length <= 120)
    return metadataTitle;
  const lines = firstPageText
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .slice(0, 40);
  const headings = lines.filter((l) => l.length <= 100 && (detectHeading(l, true) || l === l.toUpperCase()));
  const named = headings.find((l) => DOCUMENT_WORDS.test(l) && /[a-z]/i.test(l) && !/^exhibit\b/i.test(l));
  const title = named ?? headings.find((l) => /[a-z]{3}/i.test(l) && !/^exhibit\b/i.test(l));
  return (title ?? base).replace(/^#+\s*/, "").trim() || base;
}
