// A seeded pseudo-random generator for tests that draw random cases: print the seed, and a failure
// replays exactly with the same seed.

import { mulberry32 } from "../../src/lib/random.js";

/** Random test cases from a seed (mulberry32). */
export function seededRandom(seed: number) {
  const next = mulberry32(seed);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return {
    next,
    int,
    pick,
    /** A word of lowercase letters that appears nowhere else: `qz` and `length` letters. */
    marker: (length = 10) => `qz${Array.from({ length }, () => String.fromCharCode(97 + int(26))).join("")}`,
    shuffle: <T>(items: readonly T[]): T[] => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}
