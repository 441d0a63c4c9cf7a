/** "Did you mean …?": the known names a mistyped command, option or environment most likely meant (CLI and config). */

/**
 * The optimal string alignment distance: how many insertions, deletions, substitutions and swaps of two neighbouring
 * characters turn `a` into `b` (Damerau–Levenshtein, with no substring edited twice). Counts code points.
 */
export function editDistance(a: string, b: string): number {
  const s = [...a]
  const t = [...b]
  // Three rows of the dynamic-programming table: the one two back is what a swap reads.
  let before = new Array<number>(t.length + 1).fill(0)
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j)
  for (let i = 1; i <= s.length; i++) {
    const row = [i]
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      let best = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost)
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, before[j - 2]! + 1)
      row.push(best)
    }
    before = previous
    previous = row
  }
  return previous[t.length]!
}

/**
 * How many edits still read as a typo of a name this long: none for one character (any letter is one edit from any
 * other), one up to four, two up to eight, three beyond.
 */
const tolerance = (length: number) => (length <= 1 ? 0 : length <= 4 ? 1 : length <= 8 ? 2 : 3)

/** The candidates nearest to `input` (case ignored) if they are near enough to be what was meant; ties all. */
export function closest(input: string, candidates: Iterable<string>): string[] {
  const wanted = input.toLowerCase()
  const limit = tolerance([...wanted].length)
  let best = Infinity
  let found: string[] = []
  for (const candidate of new Set(candidates)) {
    const distance = editDistance(wanted, candidate.toLowerCase())
    if (distance > limit || distance > best) continue
    if (distance < best) found = []
    best = distance
    found.push(candidate)
  }
  return found
}

/** ` Did you mean "generate"?` (or `--check`, or `"a" or "b"`), or nothing. */
export function didYouMean(names: readonly string[], quote = true): string {
  if (names.length === 0) return ''
  const shown = names.map((name) => (quote ? `"${name}"` : name))
  return ` Did you mean ${shown.length === 1 ? shown[0] : `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`}?`
}
