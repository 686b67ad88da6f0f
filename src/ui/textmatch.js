// Finding a cited quote in text that was laid out differently (a PDF text layer, split into runs
// and lines): spacing is ignored, and only the differences Cited's own verification forgives
// (quote marks, dashes, compatibility forms such as ligatures) are folded. Letters must match.

const FOLD = new Map([
  ["\u2018", "'"],
  ["\u2019", "'"],
  ["\u201a", "'"],
  ["\u201b", "'"],
  ["\u2032", "'"],
  ["\u201c", '"'],
  ["\u201d", '"'],
  ["\u201e", '"'],
  ["\u201f", '"'],
  ["\u2033", '"'],
  ["\u2010", "-"],
  ["\u2011", "-"],
  ["\u2012", "-"],
  ["\u2013", "-"],
  ["\u2014", "-"],
  ["\u2015", "-"],
  ["\u2212", "-"],
  ["\u00ad", ""],
]);

const SPACE = /\s/;

/**
 * The text without spacing, in a folded form, and for every folded code unit the index of the
 * character of `text` it came from.
 * @param {string} text
 * @returns {{ chars: string, at: number[] }}
 */
export function fold(text) {
  let chars = "";
  /** @type {number[]} */
  const at = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (SPACE.test(c)) continue;
    const normal = c.normalize("NFKC");
    for (let k = 0; k < normal.length; k++) {
      const f = FOLD.get(normal[k]) ?? normal[k];
      if (f === "" || SPACE.test(f)) continue;
      chars += f;
      at.push(i);
    }
  }
  return { chars, at };
}

/**
 * How many folded code units `text` has before `index` (to compare positions across layouts).
 * @param {string} text
 * @param {number} index
 */
export function foldedIndex(text, index) {
  return fold(text.slice(0, index)).chars.length;
}

/**
 * Where `quote` stands in `text`: [start, end) in `text`, or null. When it stands there more than
 * once, the occurrence nearest `hint` (a folded index, see foldedIndex) wins.
 * @param {string} text
 * @param {string} quote
 * @param {number} [hint]
 * @returns {{ start: number, end: number } | null}
 */
export function findQuote(text, quote, hint = 0) {
  const hay = fold(text);
  const needle = fold(quote).chars;
  if (!needle) return null;
  let best = -1;
  for (let from = hay.chars.indexOf(needle); from !== -1; from = hay.chars.indexOf(needle, from + 1)) {
    if (best === -1 || Math.abs(from - hint) < Math.abs(best - hint)) best = from;
  }
  if (best === -1) return null;
  return { start: hay.at[best], end: hay.at[best + needle.length - 1] + 1 };
}

/**
 * Spacing collapsed to single spaces, ends trimmed.
 * @param {string} text
 */
export function normalizeSpace(text) {
  return text.replace(/\s+/g, " ").trim();
}
