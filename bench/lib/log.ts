// Progress goes to stderr so that stdout carries only the result table.
export function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

export function elapsed(t0: number): string {
  return `${((Date.now() - t0) / 1000).toFixed(1)} s`;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Percentile (0–100) of unsorted numbers, nearest-rank. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
