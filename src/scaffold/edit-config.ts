/**
 * `function new` adding its entries to the config file itself. The new text is proved before it replaces the file:
 * it must load (the way every command loads it) to the old config plus exactly the new entries, and add no problem
 * `validate` would report. It is then written beside the file and renamed over it, so the config is never seen half
 * written. Whatever goes wrong comes back as a one-line reason, and the caller prints the entries instead.
 *
 * Loaded lazily by new-function.ts: the parser behind it is for this command alone.
 */
import { randomBytes } from 'node:crypto'
import { chmod, lstat, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { checkConfig } from '../config/check.js'
import { loadConfig, type LoadedConfig } from '../config/load.js'
import { isSparkbaasError } from '../errors.js'
import { loadJson } from '../config/loaders.js'
import { loadYamlText } from '../config/load-yaml.js'
import { editJson, editYaml } from './edit-data.js'
import { EditRefused, type ListAdditions } from './edit-refused.js'
import { editTs } from './edit-ts.js'

export type EditOutcome = { readonly edited: true } | { readonly edited: false; readonly reason: string }

/** Appends `additions` to the lists of `loaded`'s file, or says why it did not. Never throws for the user's file. */
export async function addToConfig(loaded: LoadedConfig, additions: ListAdditions): Promise<EditOutcome> {
  let temp: string | undefined
  try {
    const file = loaded.filepath
    if ((await lstat(file)).isSymbolicLink()) throw new EditRefused('it is a symbolic link')
    const text = await readFile(file, 'utf8')
    const next = edit(file, text, additions)
    temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp${moduleExtension(file)}`)
    await writeFile(temp, next, { flag: 'wx', mode: (await lstat(file)).mode & 0o777 })
    await prove(loaded, temp, additions)
    if ((await readFile(file, 'utf8')) !== text) throw new EditRefused('it changed while being edited')
    await chmod(temp, (await lstat(file)).mode & 0o777)
    await rename(temp, file)
    temp = undefined
    return { edited: true }
  } catch (error) {
    if (error instanceof EditRefused) return { edited: false, reason: error.reason }
    const message = isSparkbaasError(error) || error instanceof Error ? error.message : String(error)
    return { edited: false, reason: `editing it failed (${message})` }
  } finally {
    if (temp !== undefined) await rm(temp, { force: true })
  }
}

function edit(file: string, text: string, additions: ListAdditions): string {
  const base = path.basename(file)
  const ext = path.extname(base)
  if (base === 'package.json') return editJson(text, additions, ['sparkbaas'])
  if (ext === '.json') return editJson(text, additions)
  if (ext === '.yaml' || ext === '.yml' || base === '.sparkbaasrc') return editYaml(text, additions)
  if (ext === '.ts' || ext === '.mts' || ext === '.cts') return editTs(text, additions, { typescript: true })
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') return editTs(text, additions, { typescript: false })
  throw new EditRefused(`sparkbaas does not edit ${ext === '' ? base : `${ext} files`}`)
}

/** The temp file is named so the loader treats it as the config: same folder, same extension. */
const moduleExtension = (file: string) => (['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'].includes(path.extname(file)) ? path.extname(file) : '')

/** Loads the edited text and compares it with the old config plus the additions; then the checks. */
async function prove(loaded: LoadedConfig, temp: string, additions: ListAdditions): Promise<void> {
  const edited = moduleExtension(temp) === '' ? loadText(loaded.filepath, await readFile(temp, 'utf8')) : (await loadConfig({ configFile: temp })).config
  const before = loaded.config as Record<string, unknown>
  const expected: Record<string, unknown> = { ...before }
  for (const [key, values] of Object.entries(additions)) {
    if (values.length > 0) expected[key] = [...((before[key] as unknown[] | undefined) ?? []), ...values]
  }
  if (!isDeepStrictEqual(edited, expected)) throw new EditRefused('the edited file did not load to the config plus the new entries')
  const known = new Set(problems(before, loaded.configDir))
  const added = problems(edited, loaded.configDir).filter((problem) => !known.has(problem))
  if (added.length > 0) throw new EditRefused(`the edited config would not pass the checks (${added[0]})`)
}

/** A JSON or YAML file's value, read from its text by the same loaders, as if it were `file`. */
function loadText(file: string, text: string): unknown {
  const ext = path.extname(file)
  if (path.basename(file) === 'package.json') return (loadJson(file, text) as { sparkbaas?: unknown }).sparkbaas
  return ext === '.json' ? loadJson(file, text) : loadYamlText(file, text)
}

function problems(config: unknown, configDir: string): string[] {
  const result = checkConfig(config, { configDir })
  return result.ok ? [] : result.problems.map((problem) => (problem.path === '' ? problem.message : `${problem.path}: ${problem.message}`))
}
