/**
 * A bundle from one esbuild build of many functions can differ from the build of that function alone — what the
 * committed output has always been — in a few generated names, and only there.
 *
 * esbuild names some symbols after their file — `index_default` (an anonymous default export), `index_exports`,
 * `index_module`, `init_index`, `require_index` — and a file called `index.*` is named after its folder instead,
 * counted from `outbase`: a file directly in `outbase`, or in a folder above it, keeps `index` (esbuild 0.28,
 * bundler.go `parseFile`). A build of one function has that function's folder as `outbase`; the shared build has
 * the config's folder. So only `index.*` files in the folders between the two can change name: the function's
 * entry itself (`hello_default` instead of `index_default`), and any `index.*` it imports from those folders.
 *
 * {@link asBuiltAlone} keeps a shared-build bundle when none of those names, spelled either way, occurs in its
 * text: then no such symbol was printed, and none pushed another symbol to a `…2` rename (that symbol would carry
 * the name in its own). It also undoes the common case, an anonymous default export, when the folder-named
 * symbol occurs exactly where esbuild declares and exports it and nowhere else. Anything else: `undefined`, and
 * the function is built alone — slower, never different. test/generate/functions.test.ts compares both builds.
 */
import { basename, dirname, extname, relative, sep } from 'node:path'

/** The bundle the build of `entry` alone gives, told from its bundle in the shared build, or `undefined`. */
export function asBuiltAlone(text: string, configDir: string, entry: string): string | undefined {
  const names = namesThatMayDiffer(configDir, entry)
  if (!names.some((name) => text.includes(name))) return text
  // esbuild drops a folder name's "extension" (`a.b` → `a`).
  const folder = basename(dirname(entry))
  const own = `${identifier(basename(folder, extname(folder)))}_default`
  const declared = new RegExp(`^(?:var|let|const|(?:async )?function\\*?|class) ${own}\\b`, 'm')
  const undoable =
    own !== 'index_default' &&
    text.split(own).length === 3 &&
    declared.test(text) &&
    text.includes(`  ${own} as default`) &&
    !names.some((name) => name !== own && text.includes(name))
  return undoable ? text.replaceAll(own, 'index_default') : undefined
}

/** The strings whose presence means a shared-build bundle may not be what a build alone gives. */
export function namesThatMayDiffer(configDir: string, entry: string): string[] {
  const entryDir = dirname(entry)
  // The folders strictly below the common ancestor of the two `outbase`s, down to each of them.
  const folders = [...belowCommonAncestor(relative(configDir, entryDir)), ...belowCommonAncestor(relative(entryDir, configDir))]
  const stems = new Set(['index', ...folders.flatMap((folder) => [identifier(folder), identifier(basename(folder, extname(folder)))])])
  return [...stems].flatMap((stem) => [`${stem}_default`, `${stem}_exports`, `${stem}_module`, `init_${stem}`, `require_${stem}`])
}

/** The named steps of a relative path, without the `..` that lead up to the common ancestor. */
const belowCommonAncestor = (relativePath: string): string[] => relativePath.split(sep).filter((part) => part !== '' && part !== '..')

/**
 * esbuild's `EnsureValidIdentifier`: ASCII letters, digits after the first letter, every run of anything else one
 * `_` between them; `_` when nothing is left.
 */
export function identifier(name: string): string {
  let out = ''
  let gap = false
  for (const char of name) {
    if (/[A-Za-z]/.test(char) || (out !== '' && /[0-9]/.test(char))) {
      out += gap ? `_${char}` : char
      gap = false
    } else if (out !== '') gap = true
  }
  return out === '' ? '_' : out
}

/** This file, whose rules decide which bundles are rebuilt alone: the build cache keys on its source (cache.ts). */
export const BATCH_NAMES_MODULE = import.meta.url
