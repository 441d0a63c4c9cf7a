/**
 * The `.gitignore` lines `init` makes sure of. An existing file is appended to, never rewritten: the user's lines
 * stay exactly as they are, and an entry already covered by one of them is not added again.
 */

/**
 * `generated/.env` holds the secrets `generate` makes for this machine (generate also writes generated/.gitignore,
 * but that file can be deleted or the folder moved; this line is the second lock). `node_modules/` is where
 * `npm install --save-dev sparkbaas` puts the package. `backups/` is where `sparkbaas backup` writes archives, which
 * hold every row of the stack.
 */
export const GITIGNORE_ENTRIES: readonly string[] = ['generated/.env', 'node_modules/', 'backups/']

const HEADER = '# sparkbaas: secrets generated for this machine, installed packages, database backups'

export interface GitignoreMerge {
  /** The new file contents; equal to the input when nothing was missing. */
  readonly contents: string
  /** The entries appended, in {@link GITIGNORE_ENTRIES} order. */
  readonly added: readonly string[]
}

/**
 * Appends the entries of `entries` that no line of `existing` already covers (`undefined`: no file yet). Keeps
 * the file's line ending style (CRLF stays CRLF) and adds the missing final newline before appending.
 */
export function mergeGitignore(existing: string | undefined, entries: readonly string[] = GITIGNORE_ENTRIES): GitignoreMerge {
  const text = existing ?? ''
  const lines = text.split(/\r?\n/)
  const missing = entries.filter((entry, i) => entries.indexOf(entry) === i && !lines.some((line) => covers(line, entry)))
  if (missing.length === 0) return { contents: text, added: [] }
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  const before = text === '' ? '' : `${text}${/\r?\n$/.test(text) ? '' : eol}${eol}`
  return { contents: `${before}${[HEADER, ...missing].join(eol)}${eol}`, added: missing }
}

/**
 * Whether the gitignore `line` already ignores `entry` (a path relative to the repository root, with a trailing
 * "/" for a folder). Only the plain forms are recognised, which is what people write: the same path with or
 * without a leading "/" or trailing "/", or, for a line without a "/" inside, the entry's last segment (git
 * matches such a line at any depth, so `.env` covers `generated/.env`). Anything cleverer (globs, a later `!`
 * re-including it) counts as not covering, and the entry is appended: a duplicate ignore line is harmless.
 */
export function covers(line: string, entry: string): boolean {
  const pattern = line.trim()
  if (pattern === '' || pattern.startsWith('#') || pattern.startsWith('!')) return false
  const entryIsDir = entry.endsWith('/')
  const target = entry.replace(/^\/|\/$/g, '')
  // "node_modules/" only matches a folder; entries that are files are not covered by it.
  if (pattern.endsWith('/') && !entryIsDir) return false
  const bare = pattern.replace(/\/$/, '')
  if (bare.startsWith('/')) return bare.slice(1) === target
  if (bare.includes('/')) return bare === target
  return bare === target.split('/').at(-1)
}
