/**
 * `sparkbaas init`: a starter project in a folder. Every check runs before the first write, so a refusal leaves
 * the folder exactly as it was.
 *
 * No package.json is written. Like `supabase init` (and unlike the create-* tools, whose product *is* a new app),
 * init is something you run in an existing repository as often as in an empty folder, and a package.json it made
 * up could fight the one the user's tooling expects (`"type"`, workspaces, the package manager). The config still
 * loads without one: the config loader maps `import … from 'sparkbaas'` to the running sparkbaas itself
 * (src/config/loaders.ts). The next steps say how to install sparkbaas into the project (install-step.ts), which
 * creates a minimal package.json when there is none and gives the editor the config's types.
 */
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { SEARCH_PLACES } from '../config/load.js'
import { SparkbaasError, type Problem } from '../errors.js'
import { exists, readIfExists, write } from './files.js'
import { mergeGitignore } from './gitignore.js'
import { projectNameFor, type ProjectName } from './project-name.js'
import { installStep, PACKAGE_ROOT } from './install-step.js'
import { shellQuote } from './shell.js'
import { configTemplate, helloFunctionTemplate } from './templates.js'

export const CONFIG_FILE = 'sparkbaas.config.ts'
export const HELLO_FILE = 'functions/hello/index.ts'

export interface InitOptions {
  /** The project folder, created if missing; relative to `cwd`. @default `cwd` */
  readonly dir?: string
  /** Overwrite sparkbaas.config.ts and functions/hello/index.ts when they exist. */
  readonly force?: boolean
  /** @default process.cwd() */
  readonly cwd?: string
}

export interface InitResult {
  /** Absolute path of the project folder. */
  readonly dir: string
  readonly project: ProjectName
  /** Files written, `/`-separated and relative to `dir`, .gitignore excluded. */
  readonly written: readonly string[]
  /** The subset of `written` that existed before (only with `force`). */
  readonly overwritten: readonly string[]
  readonly gitignore: { readonly created: boolean; readonly added: readonly string[] }
}

export async function initProject(options: InitOptions = {}): Promise<InitResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd())
  const dir = path.resolve(cwd, options.dir ?? '.')
  checkFolder(dir)

  const project = projectNameFor(path.basename(dir) || undefined)
  const files: [string, string][] = [
    [CONFIG_FILE, configTemplate(project.name)],
    [HELLO_FILE, helloFunctionTemplate()],
  ]
  const existing = files.map(([file]) => file).filter((file) => exists(path.join(dir, file)))
  const others = otherConfigs(dir)
  if (others.length > 0 || (existing.length > 0 && options.force !== true)) throw refusal(dir, options.dir, existing, others, options.force === true)

  const gitignorePath = path.join(dir, '.gitignore')
  const before = await readIfExists(gitignorePath)
  const gitignore = mergeGitignore(before)

  for (const [file, contents] of files) {
    // 'wx' when not forcing: a file that appeared since the check above is still not overwritten.
    await write(path.join(dir, file), contents, options.force === true ? 'w' : 'wx')
  }
  if (gitignore.added.length > 0) await write(gitignorePath, gitignore.contents, 'w')

  return {
    dir,
    project,
    written: files.map(([file]) => file),
    overwritten: existing,
    gitignore: { created: before === undefined, added: gitignore.added },
  }
}

/**
 * The commands to run next, from `cwd`. `@types/node` gives the editor `process.env` in the function; the
 * functions runtime itself needs nothing installed. `packageRoot` is where the running sparkbaas is installed.
 */
export function nextSteps(result: InitResult, cwd: string = process.cwd(), packageRoot: string = PACKAGE_ROOT): string[] {
  const rel = path.relative(path.resolve(cwd), result.dir)
  const cd = rel === '' ? [] : [`cd ${shellQuote(rel.startsWith('..') || path.isAbsolute(rel) ? result.dir : rel)}`]
  const install = installStep(result.dir, packageRoot)
  return [...cd, ...(install === undefined ? [] : [install]), 'npx sparkbaas generate', 'npx sparkbaas up']
}

function checkFolder(dir: string): void {
  let stats
  try {
    stats = statSync(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return // created when writing
    throw error
  }
  if (!stats.isDirectory()) {
    throw new SparkbaasError('usage', `${dir} exists and is not a folder.`, { hint: 'Pass a folder to create the project in, e.g. `sparkbaas init my-stack`.' })
  }
}

/**
 * Config files the search would find in `dir` besides ours. A `.sparkbaasrc*` or a package.json with a
 * "sparkbaas" key is found *before* sparkbaas.config.ts, and another sparkbaas.config.* after it: either way one
 * of the two would be silently ignored.
 */
function otherConfigs(dir: string): string[] {
  return SEARCH_PLACES.filter((file) => {
    if (file === CONFIG_FILE) return false
    const full = path.join(dir, file)
    if (!exists(full)) return false
    if (file !== 'package.json') return true
    try {
      const json: unknown = JSON.parse(readFileSync(full, 'utf8'))
      return typeof json === 'object' && json !== null && 'sparkbaas' in json
    } catch {
      return false // a broken package.json is not ours to judge here
    }
  })
}

function refusal(dir: string, dirArg: string | undefined, existing: readonly string[], others: readonly string[], force: boolean): SparkbaasError {
  const problems: Problem[] = [
    ...existing.filter(() => !force).map((file) => ({ path: file, code: 'file_exists', message: 'already exists' })),
    ...others.map((file) => ({
      path: file,
      code: 'other_config',
      message: file === 'package.json' ? 'already holds a sparkbaas config (its "sparkbaas" key)' : 'already holds a sparkbaas config',
    })),
  ]
  const again = `sparkbaas init${dirArg === undefined ? '' : ` ${shellQuote(dirArg)}`} --force`
  if (others.length === 0) {
    const count = existing.length === 1 ? '1 file that already exists' : `${existing.length} files that already exist`
    return new SparkbaasError('usage', `Not overwriting ${count} in ${dir}:`, {
      problems,
      hint: `Nothing was written. Run \`${again}\` to overwrite ${existing.length === 1 ? 'it' : 'them'} (.gitignore is only ever appended to), or init another folder.`,
    })
  }
  const forceHint = existing.length > 0 && !force ? ` Then \`${again}\` overwrites the files that exist.` : ''
  return new SparkbaasError('usage', `${dir} already has a sparkbaas config; a second one would leave one of them ignored:`, {
    problems,
    hint: `Nothing was written. Edit the existing config, or remove it and run \`sparkbaas init\` again (--force does not remove it).${forceHint}`,
  })
}
