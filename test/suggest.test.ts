/** The typo distance behind "Did you mean …?" for unknown commands and options (src/cli/suggest.ts). */
import { expect, test } from 'vitest'
import { closest, didYouMean, editDistance } from '../src/suggest.js'

test('editDistance counts insertions, deletions, substitutions and swaps of neighbours as one edit each', () => {
  expect(editDistance('check', 'check')).toBe(0)
  expect(editDistance('chek', 'check')).toBe(1) // deletion
  expect(editDistance('checkk', 'check')).toBe(1) // insertion
  expect(editDistance('chuck', 'check')).toBe(1) // substitution
  expect(editDistance('chekc', 'check')).toBe(1) // transposition (Levenshtein alone says 2)
  expect(editDistance('genrate', 'generate')).toBe(1)
  expect(editDistance('', 'abc')).toBe(3)
  expect(editDistance('abc', '')).toBe(3)
  // Optimal string alignment: a swapped pair is not edited again ("ca" → "abc" is 3, not 2 as in full Damerau).
  expect(editDistance('ca', 'abc')).toBe(3)
  expect(editDistance('kitten', 'sitting')).toBe(3)
  // Code points, not UTF-16 units: an emoji is one character.
  expect(editDistance('a😀', 'a')).toBe(1)
})

test('closest: the nearest candidates within a distance that grows with the length, case ignored', () => {
  const commands = ['init', 'validate', 'generate', 'up', 'down', 'status', 'ps', 'restart', 'restore', 'reset', 'logs']
  expect(closest('genrate', commands)).toEqual(['generate'])
  expect(closest('valdate', commands)).toEqual(['validate'])
  expect(closest('GENERATE', commands)).toEqual(['generate'])
  expect(closest('upp', commands)).toEqual(['up'])
  expect(closest('dwn', commands)).toEqual(['down'])
  // Ties are all named, in candidate order.
  expect(closest('restor', commands)).toEqual(['restore'])
  expect(closest('resart', commands)).toEqual(['restart'])
  expect(closest('reste', commands)).toEqual(['reset'])
  expect(closest('lgos', commands)).toEqual(['logs'])
  expect(closest('lgo', commands)).toEqual([])
  expect(closest('rese', ['reset', 'rest'])).toEqual(['reset', 'rest'])
  // Too far to be a typo: no guess.
  expect(closest('deploy', commands)).toEqual([])
  expect(closest('x', commands)).toEqual([])
  expect(closest('stat', commands)).toEqual([])
  // One character: only a different case counts (every other single letter is one edit from any other).
  expect(closest('C', ['c', 'f'])).toEqual(['c'])
  expect(closest('q', ['c', 'f'])).toEqual([])
  expect(closest('anything', [])).toEqual([])
})

test('didYouMean: nothing without a guess, quoted names for commands, bare flags for options', () => {
  expect(didYouMean([])).toBe('')
  expect(didYouMean(['generate'])).toBe(' Did you mean "generate"?')
  expect(didYouMean(['reset', 'rest'])).toBe(' Did you mean "reset" or "rest"?')
  expect(didYouMean(['--a', '--b', '--c'], false)).toBe(' Did you mean --a, --b or --c?')
})
