// `cited review --template X <file|folder|--source ID|--doc ID>`: review indexed documents on this
// machine with a progress bar, print the table, and write it as XLSX or CSV with --out.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { DocumentRow } from "../../schemas/document.js";
import type { ReviewView } from "../../schemas/review.js";
import { LOCAL_SCOPE } from "../access/scope.js";
import type { Config } from "../config/index.js";
import { cellText, reviewCsv, reviewXlsx } from "../review/export.js";
import { CellExtractor } from "../review/extractor.js";
import { parseTemplate, resolveTemplate, TemplateError } from "../review/templates.js";
import type { DocumentRepository } from "../store/documents.js";
import { sha256OfFile } from "../usecases/intake.js";
import { reviewHere } from "../usecases/review.js";
import { openServices } from "../usecases/services.js";
import { progressBar } from "./progress.js";

const USAGE =
  "review --template cuad|essentials|FILE.json|FILE.yaml <file|folder> | --source ID | --doc ID... [--out table.xlsx|table.csv]";

/** Files of a path: the file itself, or every file under a folder. */
function filesOf(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: "utf8" })
    .map((f) => join(path, f))
    .filter((f) => statSync(f).isFile());
}

/** The indexed documents to review; a file that is not indexed yet is named with what to do. */
async function documentsToReview(
  documents: DocumentRepository,
  paths: string[],
  values: { source?: string; doc?: string[] },
): Promise<DocumentRow[]> {
  const ready = (rows: (DocumentRow | null)[]) => rows.filter((d): d is DocumentRow => d?.status === "ready");
  if (values.doc?.length)
    return ready(await Promise.all(values.doc.map((id) => documents.get(id, LOCAL_SCOPE))));
  if (values.source) {
    const q = { sourceId: values.source, status: "ready" as const, limit: 500, offset: 0 };
    return (await documents.list(LOCAL_SCOPE, q)).items;
  }
  const found: DocumentRow[] = [];
  for (const file of paths.flatMap((p) => filesOf(resolve(p)))) {
    const [doc] = ready(await documents.findByHash(LOCAL_SCOPE, await sha256OfFile(file)));
    if (doc) found.push(doc);
    else process.stderr.write(`cited: ${file} is not indexed yet: run cited sync on its folder first\n`);
  }
  return found;
}

/** The table on the terminal: per document, each field's value (or "not found"). */
function printTable(view: ReviewView): void {
  for (const row of view.rows) {
    console.log(`\n${row.title}  (${(row.duration_ms / 1000).toFixed(1)} s)`);
    for (const cell of row.cells) {
      const page = cell.citations[0] ? `  [p. ${cell.citations[0].page}]` : "";
      console.log(
        `  ${cell.field.padEnd(36)} ${cell.status.padEnd(10)} ${cellText(cell).slice(0, 90)}${page}`,
      );
    }
  }
}

/** `cited review`; returns the exit code. */
export async function reviewCommand(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      template: { type: "string" },
      source: { type: "string" },
      doc: { type: "string", multiple: true },
      out: { type: "string" },
    },
  });
  if (!values.template || (!positionals.length && !values.source && !values.doc?.length)) {
    process.stderr.write(`cited: usage: npm run cited -- ${USAGE}\n`);
    return 2;
  }
  let template: ReturnType<typeof resolveTemplate>;
  try {
    template = /\.(json|ya?ml)$/i.test(values.template)
      ? parseTemplate(readFileSync(values.template, "utf8"), values.template)
      : resolveTemplate(values.template);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    process.stderr.write(`cited: ${error.message}\n`);
    return 2;
  }
  const services = openServices(config);
  try {
    const [documents, retriever] = [await services.documents(), await services.retriever()];
    const docs = await documentsToReview(documents, positionals, values);
    if (docs.length === 0) {
      process.stderr.write("cited: no indexed document to review\n");
      return 1;
    }
    const extractor = new CellExtractor(
      retriever,
      documents,
      await services.judge(),
      await services.generator(),
    );
    const bar = progressBar();
    const view = await reviewHere(extractor, template, docs, LOCAL_SCOPE, (doc, done, total) =>
      bar(doc.title.slice(0, 28), done, total),
    );
    printTable(view);
    if (values.out) {
      const csv = extname(values.out).toLowerCase() === ".csv";
      writeFileSync(values.out, csv ? reviewCsv(view) : await reviewXlsx(view));
      console.log(`\nwrote ${values.out}`);
    }
    return 0;
  } finally {
    await services.close();
  }
}
