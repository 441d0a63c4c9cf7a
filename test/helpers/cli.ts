/**
 * Runs the built CLI (`node bin/sparkbaas.mjs`, so `npm run build` first) as a child process, the way a user does,
 * and normalizes its output so tests can assert whole messages: ANSI codes stripped, fixture and temp paths replaced.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, realpath } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { stripVTControlCharacters } from 'node:util'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '')
export const FIXTURES = path.join(ROOT, 'test/fixtures')
const BIN = path.join(ROOT, 'bin/sparkbaas.mjs')

export interface CliResult {
  code: number
  /** Normalized: no ANSI codes, `<fixtures>`, `<root>` and `<tmp>` for absolute paths. */
  stdout: string
  stderr: string
  /** Exactly what the process wrote. */
  raw: { stdout: string; stderr: string }
}

export interface CliOptions {
  cwd?: string
  /** Added to the environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>
  /** A temp folder to show as `<tmp>`. */
  tmp?: string
}

export function sparkbaas(args: string[], options: CliOptions = {}): Promise<CliResult> {
  // Colour settings of the shell running the tests must not leak into assertions.
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env }
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key]
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
      resolve({ code, stdout: normalize(stdout, options.tmp), stderr: normalize(stderr, options.tmp), raw: { stdout, stderr } })
    })
  })
}

export function normalize(text: string, tmp?: string): string {
  let out = stripVTControlCharacters(text)
  if (tmp !== undefined) out = out.replaceAll(tmp, '<tmp>')
  return out.replaceAll(FIXTURES, '<fixtures>').replaceAll(ROOT, '<root>')
}

/** A fresh empty folder outside the repository (so an upward search cannot find the repo's own example). */
export async function tempDir(): Promise<string> {
  // realpath: on some systems the temp folder is a symlink, and the CLI prints resolved paths.
  return realpath(await mkdtemp(path.join(tmpdir(), 'sparkbaas-test-')))
}

/** A line of a stack trace, which a user's mistake must never print. */
export const STACK_LINE = /^\s+at /m
