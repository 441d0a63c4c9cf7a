/** The little file handling `init` and `function new` share; failures become `SparkbaasError`s naming the file. */
import { statSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { SparkbaasError } from '../errors.js'

export function exists(file: string): boolean {
  try {
    statSync(file)
    return true
  } catch {
    return false
  }
}

/** Writes `file`, creating its folder; `wx` refuses a file that exists. */
export async function write(file: string, contents: string, flag: 'w' | 'wx'): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, contents, { flag })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'EEXIST' ? 'it already exists' : error instanceof Error ? error.message : String(error)
    throw new SparkbaasError('write_failed', `Could not write ${file}: ${reason}.`, { cause: error })
  }
}

export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new SparkbaasError('write_failed', `Could not read ${file}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error })
  }
}
