/**
 * The one sort order of generated output: by UTF-16 code unit, never by locale, so the same config gives the same
 * bytes on every machine.
 */
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * A copy of a JSON value with every object's keys in the default sort order (UTF-16 code units), arrays kept in
 * order: the same value gives the same JSON text whatever order built it (the JSON Schema file, content hashes).
 */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  )
}

export const byName = <T extends { readonly name: string }>(a: T, b: T): number => byCodePoint(a.name, b.name)
