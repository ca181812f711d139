/**
 * Maps `items` through `fn` with at most `limit` calls in flight; results are in the order of
 * `items`. `onDone` is called after each item (for progress).
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>, onDone?: (done: number) => void): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`\`concurrency\` must be a whole number of at least 1, got ${JSON.stringify(limit)}`);
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
      onDone?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
