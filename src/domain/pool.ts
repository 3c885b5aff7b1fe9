// Bounded concurrency for work that waits on something else (a target system, the database): `fn` runs
// over `items`, at most `n` at a time, in order of the items. A failing `fn` rejects the whole pool
// after the lanes already running end; callers that must not lose results catch inside `fn`.

/** Runs `fn` over `items`, at most `n` at a time. */
export async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, n), items.length) }, lane));
}
