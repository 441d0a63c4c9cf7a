/** Shared by the generate tests: temp projects, reading an output tree, running the CLI in-process. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, vi } from 'vitest'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A fresh temp folder, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sparkbaas-gen-'))
  made.push(dir)
  return dir
}

export const HELLO_FUNCTION = `export default function hello(request: Request): { message: string } {
  const name = new URL(request.url).searchParams.get('name') ?? 'world'
  return { message: \`\${process.env.GREETING ?? 'Hello'}, \${name}!\` }
}
`

/** A small stack with two realms, a function and an authenticated route: every kind of output file. */
export const BASE_CONFIG = {
  project: 'demo',
  realms: [
    { name: 'main', roles: ['user'], clients: [{ id: 'web', type: 'public' }], users: [{ username: 'dev', roles: ['user'] }] },
    { name: 'extra' },
  ],
  functions: [{ name: 'hello', source: './functions/hello', env: { GREETING: 'Hi' } }],
  routes: [
    { host: 'api', path: '/fn/hello', to: { function: 'hello' }, stripPrefix: true, auth: { realm: 'main' } },
    { host: 'auth', to: 'keycloak' },
  ],
}

/** A temp project folder holding `sparkbaas.config.json` and `functions/hello/index.ts`. */
export function makeProject(config: object = BASE_CONFIG): string {
  const dir = tempDir()
  mkdirSync(join(dir, 'functions', 'hello'), { recursive: true })
  writeFileSync(join(dir, 'functions', 'hello', 'index.ts'), HELLO_FUNCTION)
  writeConfig(dir, config)
  return dir
}

export function writeConfig(dir: string, config: object): void {
  writeFileSync(join(dir, 'sparkbaas.config.json'), `${JSON.stringify(config, null, 2)}\n`)
}

export interface TreeEntry {
  readonly contents: Buffer
  readonly mode: number
  readonly mtimeMs: number
}

/** Every file below `dir` (relative `/` paths, sorted) with bytes, permission bits and mtime. */
export function readTree(dir: string): Map<string, TreeEntry> {
  const tree = new Map<string, TreeEntry>()
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(at, entry.name)
      // .sparkbaas/ is sparkbaas's private folder (locks, staging; git-ignored), not output.
      if (entry.isDirectory()) {
        if (!(at === dir && entry.name === '.sparkbaas')) walk(path)
      } else {
        const stat = statSync(path)
        tree.set(relative(dir, path).split('\\').join('/'), { contents: readFileSync(path), mode: stat.mode & 0o777, mtimeMs: stat.mtimeMs })
      }
    }
  }
  walk(dir)
  return tree
}

/** The tree without mtimes, for "byte-identical" comparisons. */
export const contentsOf = (tree: Map<string, TreeEntry>) =>
  Object.fromEntries([...tree].map(([path, entry]) => [path, { text: entry.contents.toString('utf8'), mode: entry.mode.toString(8) }]))

/** The keys of a `.env` file, in order. */
export const envKeys = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(line)?.[1])
    .filter((key): key is string => key !== undefined)

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs the CLI in this process, capturing what it prints and the exit code it sets. */
export async function runCli(argv: string[]): Promise<CliRun> {
  const { run } = await import('../../src/cli/main.js')
  let stdout = ''
  let stderr = ''
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk)
    return true
  })
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk)
    return true
  })
  const previous = process.exitCode
  try {
    await run(argv)
    return { code: Number(process.exitCode ?? 0), stdout, stderr }
  } finally {
    out.mockRestore()
    err.mockRestore()
    process.exitCode = previous
  }
}
