// A seeded pseudo-random generator for tests that draw random cases: print the seed, and a failure
// replays exactly with the same seed.

/** mulberry32: small, fast, good enough for test cases. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
