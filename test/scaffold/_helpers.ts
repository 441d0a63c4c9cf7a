/** Temp folders (removed after each test), a snapshot of a folder's files and the error a call rejects with, for the scaffold tests. */
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach } from 'vitest'
import { isSparkbaasError, type SparkbaasError } from '../../src/errors.js'

const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A fresh folder outside the repository, so no config search can reach the repo's own example. */
export function tempDir(): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'sparkbaas-scaffold-')))
  made.push(dir)
  return dir
}

/** Every file below `dir` with its contents, `/`-separated paths, sorted. */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (sub: string) => {
    for (const entry of readdirSync(path.join(dir, sub), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`
      if (entry.isDirectory()) walk(rel)
      else out[rel] = readFileSync(path.join(dir, rel), 'utf8')
    }
  }
  walk('')
  return out
}

/** The SparkbaasError `promise` rejects with; anything else (a resolve, another error) fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<SparkbaasError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e,
  )
  if (!isSparkbaasError(error)) throw error
  return error
}
