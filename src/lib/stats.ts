// Summary statistics for measurements (latencies in evaluation reports and benchmarks).

/** The p-th percentile (0–100) of `xs` by nearest rank; 0 for no values. */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}
