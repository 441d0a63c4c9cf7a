/**
 * What `generate --check` prints when the output is out of date: each file that differs as a unified diff from
 * what is on disk (`-`) to what `generate` would write (`+`), so the diff reads as what `generate` would do.
 * Files in path order; a missing file is all `+`, a file no longer generated all `-`.
 *
 * Bounded, for CI logs: {@link MAX_FILE_LINES} lines of each file's diff, {@link MAX_TOTAL_LINES} in all, then a
 * note of how much is not shown. A pair of versions too different to diff cheaply (more than
 * {@link MAX_EDITS} lines added and removed) is named with its line counts instead.
 *
 * Never a secret: the committed files hold none (they read them from `.env` at run time), but a value pasted into
 * one by hand would reach the CI log. Every secret value of `.env` (not the settings, which `.env.example` shows
 * anyway) is replaced by `[.env KEY]` wherever it appears in the output.
 *
 * Loaded only when something differs (generate.ts imports it lazily): an unchanged `--check` loads neither this
 * nor jsdiff.
 */
import { structuredPatch } from 'diff'
import type { EnvVar } from '../model/types.js'
import { byCodePoint } from '../order.js'
import { parseDotenv } from './dotenv.js'

export const MAX_FILE_LINES = 120
export const MAX_TOTAL_LINES = 1000
/**
 * jsdiff's `maxEditLength`. Its cost grows with the square of the edits: giving up at 1,000 took ~0.5 s here, at
 * 2,000 ~1.7 s; and a diff that long would be cut at {@link MAX_FILE_LINES} lines anyway.
 */
const MAX_EDITS = 1000
/** Shorter values are not taken for secrets: replacing `1` or `on` everywhere would garble the diff. */
const MIN_SECRET_LENGTH = 6

export interface DriftedFile {
  /** Relative to the output folder. */
  readonly path: string
  readonly kind: 'modified' | 'missing' | 'extra'
  /** What is on disk (absent for a missing file). */
  readonly actual?: string
  /** What `generate` would write (absent for a file no longer generated). */
  readonly expected?: string
}

export interface Secret {
  readonly key: string
  readonly value: string
}

/** The unified diff of `files`, with `shownDir` (the output folder as the user reads it, ending in `/`) before each path. */
export function unifiedDrift(files: readonly DriftedFile[], shownDir: string, secrets: readonly Secret[] = []): string {
  const out: string[] = []
  let budget = MAX_TOTAL_LINES
  const sorted = [...files].sort((a, b) => byCodePoint(a.path, b.path))
  for (const [index, file] of sorted.entries()) {
    if (budget <= 0) {
      const rest = sorted.slice(index).map((f) => f.path)
      out.push(`… the diffs of ${rest.length} more file${rest.length === 1 ? '' : 's'} are not shown: ${rest.join(', ')}.`)
      break
    }
    const shown = `${shownDir}${file.path}`
    out.push(file.actual === undefined ? '--- /dev/null' : `--- ${shown}\t(on disk)`)
    out.push(file.expected === undefined ? '+++ /dev/null' : `+++ ${shown}\t(generated)`)
    const hunks = hunksOf(file.actual ?? '', file.expected ?? '')
    if (hunks === undefined) {
      out.push(`(too different to show line by line: ${lineCount(file.actual)} lines on disk, ${lineCount(file.expected)} generated)`)
      continue
    }
    const limit = Math.min(MAX_FILE_LINES, budget)
    let shownLines = 0
    let hidden = 0
    for (const hunk of hunks) {
      if (shownLines >= limit) {
        hidden += hunk.lines.length
        continue
      }
      out.push(hunk.header)
      const take = hunk.lines.slice(0, limit - shownLines)
      out.push(...take)
      shownLines += take.length
      hidden += hunk.lines.length - take.length
    }
    budget -= shownLines
    if (hidden > 0) out.push(`… ${hidden} more lines of this diff not shown: run \`sparkbaas generate\`, then \`git diff\`, to see them all.`)
  }
  return redact(`${out.join('\n')}\n`, secrets)
}

/** The secret values of a `.env` text: every key but the stack's settings, values of at least a few characters. */
export function envSecrets(envText: string | undefined, vars: readonly EnvVar[]): Secret[] {
  if (envText === undefined) return []
  const settings = new Set(vars.filter((v) => v.generate.kind === 'setting').map((v) => v.key))
  let entries: ReturnType<typeof parseDotenv>
  try {
    entries = parseDotenv(envText)
  } catch {
    // A .env compose cannot read either: its lines, raw, are what could have been pasted.
    entries = envText.split('\n').flatMap((line, i) => {
      const match = /^\s*(?:export\s+)?([^=#\s]+)\s*=\s*(.*?)\s*$/.exec(line)
      return match ? [{ key: match[1]!, value: match[2]!.replace(/^(['"])(.*)\1$/, '$2'), line: i + 1 }] : []
    })
  }
  return entries
    .filter((e): e is typeof e & { value: string } => e.value !== undefined && e.value.length >= MIN_SECRET_LENGTH && !settings.has(e.key))
    .map(({ key, value }) => ({ key, value }))
}

/** Longest first, so a secret that contains another is replaced whole. */
function redact(text: string, secrets: readonly Secret[]): string {
  for (const { key, value } of [...secrets].sort((a, b) => b.value.length - a.value.length)) {
    text = text.replaceAll(value, `[.env ${key}]`)
  }
  return text
}

interface Hunk {
  readonly header: string
  readonly lines: readonly string[]
}

function hunksOf(actual: string, expected: string): Hunk[] | undefined {
  // One side empty: the whole file, without asking the diff algorithm (which would walk every line for it).
  if (actual === '' || expected === '') {
    const [text, sign] = actual === '' ? [expected, '+'] : [actual, '-']
    const lines = splitLines(text, sign)
    if (lines.length === 0) return []
    const count = lines.filter((l) => !l.startsWith('\\')).length
    return [{ header: actual === '' ? `@@ -0,0 +1,${count} @@` : `@@ -1,${count} +0,0 @@`, lines }]
  }
  const patch = structuredPatch('', '', actual, expected, '', '', { context: 3, maxEditLength: MAX_EDITS })
  if (patch === undefined) return undefined
  return patch.hunks.map((h) => ({
    // The unified format's quirk: an empty side's start is one less (as diff and git print it).
    header: `@@ -${h.oldLines === 0 ? h.oldStart - 1 : h.oldStart},${h.oldLines} +${h.newLines === 0 ? h.newStart - 1 : h.newStart},${h.newLines} @@`,
    lines: h.lines,
  }))
}

function splitLines(text: string, sign: string): string[] {
  const lines = text.split('\n')
  const complete = lines.at(-1) === ''
  if (complete) lines.pop()
  const out = lines.map((line) => `${sign}${line}`)
  if (!complete) out.push('\\ No newline at end of file')
  return out
}

const lineCount = (text: string | undefined): number => (text === undefined || text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0))
