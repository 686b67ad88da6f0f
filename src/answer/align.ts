// Aligning each claim of an answer with the passage sentences that state it. A small model picks
// evidence ids loosely (often "S1, S2, S3" whatever the claim), so its picks are only candidates:
// a cited sentence must share the claim's content words, and when none of the picks does, the
// passage sentence that shares the most is cited instead. The quotes stay the documents' own words.

const STOP = new Set(
  "a an and are as at be been but by for from has have if in into is it its of on or shall such than that the their then there these this those to under upon was were which will with without any all each other may must not no nor so".split(
    " ",
  ),
);
const NUMBER_WORDS: Record<string, string> = {
  one: "1",
  two: "2",
  three: "3",
  four: "4",
  five: "5",
  six: "6",
  seven: "7",
  eight: "8",
  nine: "9",
  ten: "10",
  eleven: "11",
  twelve: "12",
  fifteen: "15",
  twenty: "20",
  thirty: "30",
  forty: "40",
  fortyfive: "45",
  sixty: "60",
  ninety: "90",
  hundred: "100",
};

function singular(w: string): string {
  if (w.length > 4 && w.endsWith("ies")) return `${w.slice(0, -3)}y`;
  if (w.length > 3 && w.endsWith("s") && !w.endsWith("ss") && !/\d/.test(w)) return w.slice(0, -1);
  return w;
}

/** Content words of a text: lower-cased, stop words out, number words as digits, crude plural folding. */
export function contentWords(text: string): Set<string> {
  const words = text
    .toLowerCase()
    .replace(/[’']/g, "")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0 && !STOP.has(w))
    .map((w) => NUMBER_WORDS[w] ?? singular(w));
  return new Set(words);
}

/** Share of the claim's content words that the sentence contains (0…1). */
export function support(claim: ReadonlySet<string>, sentence: ReadonlySet<string>): number {
  if (claim.size === 0) return 0;
  let shared = 0;
  for (const w of claim) if (sentence.has(w)) shared++;
  return shared / claim.size;
}

/**
 * The words a claim cannot be right without: numbers and names (capitalised words that do not start
 * the sentence). "Governed by Delaware law" cited to an Oregon clause shares "governed" and "law" but
 * not "Delaware", and must not pass.
 */
export function anchors(claim: string): Set<string> {
  const out = new Set<string>();
  const tokens = claim.split(/\s+/);
  tokens.forEach((raw, i) => {
    const word = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
    if (!word) return;
    const afterStop = i > 0 && /[.!?:]$/.test(tokens[i - 1]!);
    // "8.1" or "1,000" are compared part by part, as contentWords splits them.
    if (/\d/.test(word)) for (const part of contentWords(word)) out.add(part);
    else if (i > 0 && !afterStop && /^\p{Lu}/u.test(word) && !STOP.has(word.toLowerCase())) {
      for (const w of contentWords(word)) out.add(w);
    }
  });
  out.delete("");
  return out;
}

/** Least share of a claim's content words a cited sentence must contain. */
export const MIN_PICKED_SUPPORT = 0.3;
/** Least share for a sentence the model did not pick to be cited in place of its picks. */
export const MIN_FOUND_SUPPORT = 0.5;

/**
 * The sentence ids a claim should cite: the model's picks that share enough of its words, or else
 * the one sentence of all passages that shares the most (if it shares enough). Empty when nothing
 * in the passages states the claim.
 */
export function alignClaim(
  claim: string,
  picked: readonly string[],
  sentences: ReadonlyMap<string, string>,
  question = "",
): string[] {
  const words = contentWords(claim);
  const score = new Map<string, number>();
  for (const [id, text] of sentences) score.set(id, support(words, contentWords(text)));
  // Picks that state the claim about as well as the best pick does.
  const bestPick = Math.max(0, ...picked.map((id) => score.get(id) ?? 0));
  const floor = Math.max(MIN_PICKED_SUPPORT, bestPick - 0.25);
  const kept = [...new Set(picked)].filter((id) => (score.get(id) ?? 0) >= floor);
  let ids: string[];
  if (kept.length > 0) ids = kept.sort((a, b) => score.get(b)! - score.get(a)!);
  else {
    const [best] = [...score].sort((a, b) => b[1] - a[1]);
    ids = best && best[1] >= MIN_FOUND_SUPPORT ? [best[0]] : [];
  }
  // Every number and name in the claim must stand in what it cites (or in the question it repeats).
  const cited = contentWords([...ids.map((id) => sentences.get(id) ?? ""), question].join(" "));
  for (const a of anchors(claim)) if (!cited.has(a)) return [];
  return ids;
}
