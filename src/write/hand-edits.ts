/**
 * Generated files edited by hand. The manifest holds the hash of every file the last `generate` wrote, so a file
 * whose bytes no longer have it was changed since, by someone else. `generate` still replaces it (the output is
 * the config's, and `generate` must not start failing where it worked), but says so, file by file, with the way to
 * make the change stick: the file's blueprint, or the config. `.env` is not among them: it is the user's, and never
 * replaced.
 *
 * The edited version is kept in the output's private folder, `.sparkbaas/hand-edits/<path>` (0700, git-ignored):
 * an edit is often a fix someone means to keep, and the warning comes after the fact. Only the latest edit of each
 * file is kept; nothing there is read by sparkbaas, and deleting the folder is always safe.
 */
import { lstat, mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join, sep } from 'node:path'
import { displayRelative } from '../display-path.js'
import { ENV_EXAMPLE } from '../render/env.js'
import { ensurePrivateDir, PRIVATE_DIR } from './private-dir.js'

export const HAND_EDITS_DIR = `${PRIVATE_DIR}/hand-edits`

/** Keeps each edited file's bytes as `<outDir>/.sparkbaas/hand-edits/<path>`, mode 0600, replacing an older copy. */
export async function keepHandEdits(outDir: string, edits: readonly { readonly path: string; readonly bytes: Buffer }[]): Promise<void> {
  if (edits.length === 0) return
  await ensurePrivateDir(outDir)
  const root = join(outDir, HAND_EDITS_DIR)
  for (const { path, bytes } of edits) {
    const target = join(root, path)
    await clearWay(root, path)
    await mkdir(dirname(target), { recursive: true, mode: 0o700 })
    // An older copy (or a folder of copies where a file now goes) is replaced; `wx` never writes through a link.
    await rm(target, { recursive: true, force: true })
    await writeFile(target, bytes, { mode: 0o600, flag: 'wx' })
  }
}

/** Removes an older copy that is a file where this path needs a folder (`a` kept once, `a/b` now). */
async function clearWay(root: string, path: string): Promise<void> {
  const parts = path.split('/')
  for (let i = 1; i < parts.length; i++) {
    const at = join(root, ...parts.slice(0, i))
    const found = await lstat(at).catch(() => undefined)
    if (found === undefined) return
    if (!found.isDirectory()) {
      await rm(at, { force: true })
      return
    }
  }
}

export interface HandEditContext {
  readonly mode: 'write' | 'dry-run'
  readonly outDir: string
  /** The user's `blueprints/` folder beside the config. */
  readonly blueprintsDir: string
  /** The config file's name, as the user calls it. */
  readonly configName: string
  /** Where paths are shown relative to. */
  readonly cwd: string
  /** Whether `blueprints/<name>` beside the config exists (the user already overrides it). */
  readonly overridden: (blueprint: string) => boolean
}

/** The warning for one hand-edited file; `blueprint` is the one it is rendered from, if any. */
export function handEditWarning(file: { readonly path: string; readonly blueprint?: string | undefined }, ctx: HandEditContext): string {
  const out = shown(ctx.outDir, ctx.cwd)
  const what =
    ctx.mode === 'write'
      ? `the edit is replaced (your version is kept in ${out}${HAND_EDITS_DIR}/${file.path})`
      : 'generate would replace the edit'
  const config = ctx.configName
  const how =
    file.blueprint !== undefined
      ? ctx.overridden(file.blueprint)
        ? `edit ${shown(ctx.blueprintsDir, ctx.cwd)}${file.blueprint}, or change ${config}`
        : `run \`sparkbaas blueprints eject ${file.blueprint}\` and edit ${shown(ctx.blueprintsDir, ctx.cwd)}${file.blueprint}, or change ${config}`
      : file.path === ENV_EXAMPLE
        ? `change ${config} (this machine's values go in ${out}.env, which generate never replaces)`
        : `change ${config} or the sources it names`
  return `${out}${file.path} was edited by hand since the last \`sparkbaas generate\`: ${what}. Generated files are rewritten on every run; to change this one, ${how}.`
}

/** A folder as the user would type it, ending in a separator: relative below `cwd`, absolute elsewhere. */
export function shown(dir: string, cwd: string): string {
  return `${displayRelative(dir, cwd)}${sep}`
}
