/**
 * @module util/concurrency
 * Running work over a list a bounded number at a time. A shared leaf: it imports nothing of the service.
 */

/**
 * `work` applied to every item, at most `limit` at once, the answers in the items' order. A rejection rejects the
 * whole (the items already started run on).
 * @example `const results = await mapBounded(calls, 4, (call) => run(call));`
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
