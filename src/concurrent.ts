/**
 * Bounded concurrency for the many small jobs of a big project (one esbuild build, one file read per output
 * file): in parallel they overlap their waiting. Reading 2,000 output files one after another took ~0.75 s here,
 * 32 at a time ~0.3 s.
 */

/**
 * `fn` over every item, at most `limit` at once; the results in item order. A failure does not stop the other
 * jobs: once every one has run, it rejects with the failure of the first failing item in item order, so what is
 * reported does not depend on timing.
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  const failures = new Map<number, unknown>()
  let next = 0
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      try {
        results[i] = await fn(items[i]!, i)
      } catch (error) {
        failures.set(i, error)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failures.size > 0) throw failures.get(Math.min(...failures.keys()))
  return results
}
