// Where evaluation commands leave their results: a report as JSON and Markdown, the Markdown printed.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Write `report` as `out/name.json` and its Markdown as `out/name.md`, and print the Markdown. */
export function writeReportFiles(out: string, name: string, report: unknown, markdown: string): void {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${name}.json`), JSON.stringify(report, null, 2));
  writeFileSync(join(out, `${name}.md`), markdown);
  process.stdout.write(`${markdown}\nwritten: ${join(out, `${name}.json`)} and .md\n`);
}
