// A seeded pseudo-random generator (mulberry32): the same seed gives the same numbers on every run, so
// evaluation samples and randomised test cases can be replayed.

/** Numbers in [0, 1) from a seed: small, fast, and good enough for sampling (not for secrets). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
