/** How a path is shown to the user: relative to `cwd` when inside it (`.` for `cwd` itself), else absolute. */
import { isAbsolute, relative } from 'node:path'

export function displayRelative(file: string, cwd: string): string {
  const rel = relative(cwd, file)
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? file : rel
}
