import type { AskResponse, Passage } from "../../schemas/api.js";
import { citedPlace } from "../answer/cite.js";

const squash = (s: string) => s.replace(/\s+/g, " ").trim();

/** An answer for a terminal: the text with [n] markers, then one footnote per citation. */
export function formatAnswer(answer: AskResponse): string {
  const lines = [answer.answer, ""];
  if (answer.abstained) {
    lines.push("Closest passages:");
    for (const p of answer.passages.slice(0, 3))
      lines.push(`  - ${p.title}, page ${p.page_start}: ${squash(p.text).slice(0, 160)}…`);
  } else {
    for (const c of answer.citations)
      lines.push(`[${c.n}] ${c.title}, ${citedPlace(c)}: “${squash(c.quote)}”`);
  }
  lines.push(
    "",
    `(${answer.model}, ${answer.prompt_version}, ${(answer.timings.total_ms / 1000).toFixed(1)} s)`,
  );
  return lines.join("\n");
}

/** Passages for a terminal, best first. */
export function formatPassages(passages: Passage[]): string {
  if (passages.length === 0) return "No passages found.";
  return passages
    .map((p, i) => {
      const pages =
        p.page_start === p.page_end ? `page ${p.page_start}` : `pages ${p.page_start}-${p.page_end}`;
      return `${i + 1}. ${p.title} — ${pages}${p.section ? ` — ${p.section}` : ""}\n   ${squash(p.text).slice(0, 300)}`;
    })
    .join("\n\n");
}
