/**
 * `function list`'s folders that look like functions but that the config does not list: a folder under functions/
 * beside the config holding an entry file (index.ts, …). It is not built or served until `functions` lists it.
 */
import { readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { FUNCTION_ENTRY_FILES, FUNCTIONS_DIR } from '../config/defaults.js'
import { NAMES, RESERVED_FUNCTION_NAMES } from '../config/names.js'
import type { StackModel } from '../model/types.js'

export interface UnregisteredFunction {
  /** The folder's name, which the entry to add uses as the function's name. */
  readonly name: string
  /** `functions/<name>`, relative to the config file's folder. */
  readonly source: string
  /** The entry file found in it. */
  readonly entry: string
  /** Whether the folder's name can name a function as it is (else the folder needs renaming first). */
  readonly validName: boolean
}

/** The unlisted function folders, by name. Hidden folders (`.x`) are skipped; a missing functions/ has none. */
export function unregisteredFunctions(model: StackModel): UnregisteredFunction[] {
  const dir = join(model.configDir, FUNCTIONS_DIR)
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  const listed = new Set(model.functions.map((fn) => resolve(fn.sourceDir)))
  const found: UnregisteredFunction[] = []
  for (const name of names.sort()) {
    const folder = join(dir, name)
    if (name.startsWith('.') || listed.has(resolve(folder)) || !isDir(folder)) continue
    const entry = FUNCTION_ENTRY_FILES.find((file) => isFile(join(folder, file)))
    if (entry === undefined) continue
    const validName = NAMES.identifier.pattern.test(name) && !(RESERVED_FUNCTION_NAMES as readonly string[]).includes(name)
    found.push({ name, source: `${FUNCTIONS_DIR}/${name}`, entry, validName })
  }
  return found
}

const isDir = (path: string) => stat(path)?.isDirectory() === true
const isFile = (path: string) => stat(path)?.isFile() === true

/** A folder it may not read (or a dangling link) is not a function folder to report. */
function stat(path: string) {
  try {
    return statSync(path, { throwIfNoEntry: false })
  } catch {
    return undefined
  }
}
