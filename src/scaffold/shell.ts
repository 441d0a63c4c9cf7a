/** Commands printed for the user to copy: arguments quoted for a POSIX shell only when they need it. */

/** `value` as one shell word: as is when it holds only safe characters, else single-quoted. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:=@%+-]+$/.test(value)) return value
  return `'${value.replaceAll("'", `'\\''`)}'`
}
