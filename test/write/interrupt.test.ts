/**
 * Interrupted and concurrent runs (issue 12, items 1 and 2). A real child process runs `generate` from dist/ and
 * is paused by the writer's `beforeMove` hook, once every file (the new `.env` with its passwords and RSA keys
 * included) is staged and before anything moves: the moment a kill leaves the most behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { generate } from '../../src/generate.js'
import { isSparkbaasError } from '../../src/errors.js'
import { PRIVATE_DIR } from '../../src/write/private-dir.js'
import { sparkbaas } from '../helpers/cli.js'
import { BASE_CONFIG, makeProject, ROOT, tempDir } from '../generate/helpers.js'

const out = (dir: string) => join(dir, 'generated')
const privateDir = (dir: string) => join(out(dir), PRIVATE_DIR)
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8)
/** The private folder's scratch files; the build cache (src/build/cache.ts) stays there by design. */
const listPrivate = (dir: string) => (existsSync(privateDir(dir)) ? readdirSync(privateDir(dir)).filter(notBuildCache).sort() : [])
const notBuildCache = (name: string) => name !== 'build-cache.json'

/** A child running `generate({ cwd })`, paused before the moves until the file `release` exists. */
function pausedGenerate(cwd: string, release: string): { child: ChildProcess; staging: Promise<string>; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const script = join(tempDir(), 'run.mjs')
  writeFileSync(
    script,
    `import { existsSync } from 'node:fs'
import { generate } from ${JSON.stringify(join(ROOT, 'dist/generate.js'))}
await generate({ cwd: process.argv[2], hooks: { beforeMove: async (staging) => {
  process.stdout.write(JSON.stringify({ staging }) + '\\n')
  await new Promise((done) => { const timer = setInterval(() => { if (existsSync(process.argv[3])) { clearInterval(timer); done() } }, 20) })
} } })
process.stdout.write('done\\n')
`,
  )
  const child = spawn(process.execPath, [script, cwd, release], { stdio: ['ignore', 'pipe', 'inherit'] })
  const staging = new Promise<string>((resolve, reject) => {
    let text = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      const line = text.split('\n').find((l) => l.startsWith('{'))
      if (line) resolve((JSON.parse(line) as { staging: string }).staging)
    })
    child.on('exit', () => reject(new Error(`child exited before pausing: ${text}`)))
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  return { child, staging, exit }
}

/** What `git status` would offer to commit in `dir`. */
function untracked(dir: string): string[] {
  spawnSync('git', ['init', '-q'], { cwd: dir })
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: dir, encoding: 'utf8' })
  return status.stdout.split('\n').filter(Boolean).map((line) => line.slice(3))
}

describe('interrupted generate', () => {
  test('killed with SIGKILL mid-write: the staged secrets are private and git-ignored, and the next run removes them', async () => {
    const dir = makeProject()
    const run = pausedGenerate(dir, join(dir, 'never'))
    const staging = await run.staging
    // Staged inside the output's private folder, named with the pid, and nothing beside the output any more.
    expect(staging.startsWith(`${privateDir(dir)}/staging-${run.child.pid}-`)).toBe(true)
    expect(readdirSync(dir).filter((name) => name.startsWith('.sparkbaas-'))).toEqual([])
    const staged = readdirSync(staging).map((name) => join(staging, name))
    // The staged .env: a password set and an RSA private key (PKCS#8, base64) in it.
    const env = staged.find((file) => /^POSTGRES_PASSWORD=\S/m.test(readFileSync(file, 'utf8')))
    expect(env).toBeDefined()
    expect(readFileSync(env!, 'utf8')).toMatch(/^REALM_MAIN_SIGNING_KEY=[A-Za-z0-9+/=]{1000,}$/m)
    expect(mode(privateDir(dir))).toBe('700')
    expect(mode(staging)).toBe('700')
    expect(mode(env!)).toBe('600')

    run.child.kill('SIGKILL')
    expect((await run.exit).signal).toBe('SIGKILL')
    // What a kill leaves: the staging folder and the lock file of the dead run, nothing git would commit (the
    // output's own .gitignore was never written: the private folder's `*` covers it).
    expect(listPrivate(dir)).toEqual(['.gitignore', expect.stringMatching(`^lock-${run.child.pid}-[0-9a-f]{8}\\.json$`), basename(staging)])
    expect(existsSync(join(out(dir), '.gitignore'))).toBe(false)
    expect(untracked(dir).filter((path) => path.startsWith('generated/'))).toEqual([])

    // The next run takes over the dead run's lock at once (no wait allowed) and removes its staging folder.
    const result = await generate({ cwd: dir, lockTimeoutMs: 0 })
    expect(result.written).toContain('.env')
    expect(listPrivate(dir)).toEqual(['.gitignore'])
  })

  test('SIGINT removes the staging folder and the lock at once and ends the run as SIGINT does', async () => {
    const dir = makeProject()
    const run = pausedGenerate(dir, join(dir, 'never'))
    const staging = await run.staging
    expect(existsSync(staging)).toBe(true)
    run.child.kill('SIGINT')
    expect(await run.exit).toEqual({ code: null, signal: 'SIGINT' })
    expect(listPrivate(dir)).toEqual(['.gitignore'])
    expect(readdirSync(out(dir))).toEqual([PRIVATE_DIR])
  })

  test('SIGTERM too', async () => {
    const dir = makeProject()
    const run = pausedGenerate(dir, join(dir, 'never'))
    await run.staging
    run.child.kill('SIGTERM')
    expect(await run.exit).toEqual({ code: null, signal: 'SIGTERM' })
    expect(listPrivate(dir)).toEqual(['.gitignore'])
  })

  test('a leftover whose pid is alive, and anything not named like ours, is never removed', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const { mkdirSync } = await import('node:fs')
    // This test process is alive; the other two names are not sparkbaas's.
    for (const name of [`staging-${process.pid}-abcdef`, 'staging-notapid-abcdef', 'mine']) mkdirSync(join(privateDir(dir), name))
    await generate({ cwd: dir })
    expect(listPrivate(dir)).toEqual(['.gitignore', 'mine', `staging-${process.pid}-abcdef`, 'staging-notapid-abcdef'])
  })
})

describe('concurrent generate', () => {
  test('a second run waits for the first and then writes its own config whole', async () => {
    const dir = makeProject()
    const release = join(dir, 'release')
    const run = pausedGenerate(dir, release)
    await run.staging
    // The second run: another config, same output folder.
    const other = { ...BASE_CONFIG, project: 'other', realms: [...BASE_CONFIG.realms, { name: 'third' }] }
    const configFile = join(dir, 'sparkbaas.config.json')
    let settled = false
    const second = generate({ cwd: dir, config: other, configFile, lockTimeoutMs: 60_000 }).finally(() => (settled = true))
    await new Promise((done) => setTimeout(done, 500))
    expect(settled).toBe(false)
    writeFileSync(release, '')
    expect(await run.exit).toEqual({ code: 0, signal: null })
    await second
    // Everything on disk is the second config's: --check against it finds nothing stale, missing or extra.
    const check = await generate({ cwd: dir, config: other, configFile, check: true })
    expect(check.drift).toEqual({ stale: [], missing: [], extra: [] })
    expect(check.upToDate).toBe(true)
    expect(listPrivate(dir)).toEqual(['.gitignore'])
  })

  test('a second run that waited too long refuses, naming the other process and what to do', async () => {
    const dir = makeProject()
    const run = pausedGenerate(dir, join(dir, 'never'))
    await run.staging
    try {
      const pid = run.child.pid!
      const error = await generate({ cwd: dir, lockTimeoutMs: 300 }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isSparkbaasError(error) && error.code).toBe('locked')
      const lockFile = listPrivate(dir).find((name) => name.startsWith('lock-'))!
      const text = (s: string) => s.replace(/started \d{4}-\d\d-\d\dT[\d:.]+Z/, 'started <time>')
      expect(text((error as Error).message)).toBe(
        `Another sparkbaas run, process ${pid} (\`sparkbaas generate\`, started <time>), is working on ${out(dir)}; waited 300 ms for it. Nothing was changed.`,
      )
      expect((error as { hint?: string }).hint).toBe(
        `Let it finish and run this again. If process ${pid} is not sparkbaas (its pid was reused), delete ${join(privateDir(dir), lockFile)}.`,
      )

      // The same through the CLI (SPARKBAAS_LOCK_TIMEOUT_MS), exit code 1, no stack trace.
      const cli = await sparkbaas(['generate'], { cwd: dir, env: { SPARKBAAS_LOCK_TIMEOUT_MS: '200' }, tmp: dir })
      expect(cli.code).toBe(1)
      expect(text(cli.stderr)).toBe(
        `✖ Another sparkbaas run, process ${pid} (\`sparkbaas generate\`, started <time>), is working on <tmp>/generated; waited 200 ms for it. Nothing was changed.\n` +
          `hint: Let it finish and run this again. If process ${pid} is not sparkbaas (its pid was reused), delete <tmp>/generated/.sparkbaas/${lockFile}.\n`,
      )
    } finally {
      run.child.kill('SIGKILL')
      await run.exit
    }
  })
})
