/**
 * The one sort order of generated output: by UTF-16 code unit, never by locale, so the same config gives the same
 * bytes on every machine.
 */
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

export const byName = <T extends { readonly name: string }>(a: T, b: T): number => byCodePoint(a.name, b.name)
