/**
 * The project name `init` derives from the folder it writes into. A folder may be called anything ("My App",
 * "café", "2024 report", "日本"); the project name is a compose project name and container prefix, so it must
 * match NAMES.project. When nothing usable is left, init falls back to a fixed name and says so.
 */
import { NAMES } from '../config/names.js'

/** Used when the folder name has no letters or digits a project name can keep. */
export const FALLBACK_PROJECT = 'my-project'

export interface ProjectName {
  readonly name: string
  /** The folder name it came from (`undefined` for the filesystem root). */
  readonly folder: string | undefined
  /** `from-folder`: the folder name as is; `sanitized`: changed to fit the rule; `fallback`: {@link FALLBACK_PROJECT}. */
  readonly source: 'from-folder' | 'sanitized' | 'fallback'
}

const MAX_LENGTH = 39

/**
 * A valid project name built from `folder`: accents dropped (café → cafe), lowercase, every run of other
 * characters turned into one "-", "app-" put in front of a leading digit (a name must start with a letter), cut to
 * 39 characters. Returns `undefined` when no letter or digit survives.
 */
export function sanitizeProjectName(folder: string): string | undefined {
  const slug = folder
    // NFKD splits "é" into "e" + a combining accent and folds compatibility forms ("ﬁ" → "fi", full-width letters).
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  if (slug === '') return undefined
  const lettered = /^[a-z]/.test(slug) ? slug : `app-${slug}`
  const name = lettered.slice(0, MAX_LENGTH).replace(/-+$/, '')
  // By construction it fits; the check keeps this function honest if the rule in names.ts ever changes.
  return NAMES.project.pattern.test(name) ? name : undefined
}

/** The project name for a project in the folder named `folder`. */
export function projectNameFor(folder: string | undefined): ProjectName {
  if (folder !== undefined && NAMES.project.pattern.test(folder)) return { name: folder, folder, source: 'from-folder' }
  const sanitized = folder === undefined ? undefined : sanitizeProjectName(folder)
  if (sanitized !== undefined) return { name: sanitized, folder, source: 'sanitized' }
  return { name: FALLBACK_PROJECT, folder, source: 'fallback' }
}
