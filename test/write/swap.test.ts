/**
 * Issue 12 item 3: the output is swapped in all or nothing. A failure while files move (a hook that throws, a
 * read-only folder) rolls back at once; a run killed while files move (SIGKILL) leaves a journal, and the next run
 * that takes the lock rolls it back before anything else. Either way the folder holds every file of the previous
 * run or every file of the new one, never a mix.
 *
 * What the swap relies on (POSIX, rename(2) and link(2) as specified by The Open Group, and Linux's man pages):
 * rename() over an existing file replaces it atomically, so a reader sees the old file or the new one, never
 * neither; rename() of two names of one file does nothing and succeeds; link() does not follow a final symlink.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { generate } from '../../src/generate.js'
import { lockFolder } from '../../src/write/lock.js'
import { PRIVATE_DIR } from '../../src/write/private-dir.js'
import { recoverSwaps } from '../../src/write/swap.js'
import { BASE_CONFIG, contentsOf, makeProject, readTree, ROOT, tempDir, writeConfig } from '../generate/helpers.js'

const out = (dir: string) => join(dir, 'generated')
/** The private folder's scratch files; the build cache (src/build/cache.ts) stays there by design. */
const listPrivate = (dir: string) => (existsSync(join(out(dir), PRIVATE_DIR)) ? readdirSync(join(out(dir), PRIVATE_DIR)).filter(notBuildCache).sort() : [])
const notBuildCache = (name: string) => name !== 'build-cache.json'
/** Several files change, one is new (realm third), one goes (realm extra), one function gets a new env. */
const NEXT = {
  ...BASE_CONFIG,
  api: { realm: 'main' },
  realms: [BASE_CONFIG.realms[0]!, { name: 'third' }],
  functions: [{ name: 'hello', source: './functions/hello', env: { GREETING: 'Hey' } }],
}

/** A pid that is certainly not running: a child that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid

/** A child running `generate({ cwd })` that pauses before the `at`-th file moves, until `release` exists. */
function pausedSwap(cwd: string, at: number, release: string): { child: ChildProcess; paused: Promise<string>; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const script = join(tempDir(), 'run.mjs')
  writeFileSync(
    script,
    `import { existsSync } from 'node:fs'
import { generate } from ${JSON.stringify(join(ROOT, 'dist/generate.js'))}
await generate({ cwd: process.argv[2], hooks: { beforeRename: async (path, index) => {
  if (index !== ${at}) return
  process.stdout.write(JSON.stringify({ path }) + '\\n')
  await new Promise((done) => { const timer = setInterval(() => { if (existsSync(process.argv[3])) { clearInterval(timer); done() } }, 20) })
} } })
process.stdout.write('done\\n')
`,
  )
  const child = spawn(process.execPath, [script, cwd, release], { stdio: ['ignore', 'pipe', 'inherit'] })
  const paused = new Promise<string>((resolve, reject) => {
    let text = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      const line = text.split('\n').find((l) => l.startsWith('{'))
      if (line) resolve((JSON.parse(line) as { path: string }).path)
    })
    child.on('exit', () => reject(new Error(`child exited before pausing: ${text}`)))
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  return { child, paused, exit }
}

describe('a failure while files move', () => {
  test('rolls back at once: the previous output is byte-identical, the message says so, and the next run goes through', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const before = contentsOf(readTree(out(dir)))
    writeConfig(dir, NEXT)
    const moved: string[] = []
    const failing = generate({
      cwd: dir,
      hooks: {
        beforeRename: (path, index) => {
          if (index === 3) throw new Error('rename failed (injected)')
          moved.push(path)
        },
      },
    })
    await expect(failing).rejects.toThrow(`Could not write ${out(dir)}: rename failed (injected). Nothing was changed: the files already replaced were put back.`)
    // Three files had moved in (a new one among them) before the failure.
    expect(moved).toHaveLength(3)
    expect(contentsOf(readTree(out(dir)))).toEqual(before)
    expect(existsSync(join(out(dir), 'keycloak', 'third-realm.json'))).toBe(false)
    expect(listPrivate(dir)).toEqual(['.gitignore'])

    await generate({ cwd: dir })
    expect((await generate({ cwd: dir, check: true })).upToDate).toBe(true)
    expect(existsSync(join(out(dir), 'keycloak', 'extra-realm.json'))).toBe(false)
  })

  test('a first run that fails part-way leaves the new folder empty again (its new sub-folders removed)', async () => {
    const dir = makeProject()
    const failing = generate({ cwd: dir, hooks: { beforeRename: (_path, index) => { if (index === 5) throw new Error('disk full (injected)') } } })
    await expect(failing).rejects.toThrow(/disk full \(injected\)\. Nothing was changed: the files already replaced were put back\.$/)
    expect(readdirSync(out(dir))).toEqual([PRIVATE_DIR])
    expect(listPrivate(dir)).toEqual(['.gitignore'])
  })

  // Root ignores file permissions (CI runs as root), so this real-disk variant runs only as another user.
  test.skipIf(process.getuid?.() === 0)('a read-only sub-folder: the files moved before it are put back', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const before = contentsOf(readTree(out(dir)))
    writeConfig(dir, NEXT)
    chmodSync(join(out(dir), 'keycloak'), 0o555)
    try {
      await expect(generate({ cwd: dir })).rejects.toThrow(/Nothing was changed: the files already replaced were put back\.$/)
    } finally {
      chmodSync(join(out(dir), 'keycloak'), 0o755)
    }
    expect(contentsOf(readTree(out(dir)))).toEqual(before)
  })
})

describe('a run killed while files move', () => {
  test('SIGKILL mid-swap: the next run rolls the output back to the previous run before anything else', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    const before = contentsOf(readTree(out(dir)))
    writeConfig(dir, NEXT)
    const run = pausedSwap(dir, 4, join(dir, 'never'))
    await run.paused
    // Mixed on disk now: some files are the new config's.
    expect(contentsOf(readTree(out(dir)))).not.toEqual(before)
    run.child.kill('SIGKILL')
    expect((await run.exit).signal).toBe('SIGKILL')
    expect(listPrivate(dir).filter((name) => name.startsWith('swap-'))).toHaveLength(1)

    // Any command that takes the project's lock repairs first (migrate up, backup and restore take it too).
    const warnings: string[] = []
    const lock = await lockFolder(out(dir), { command: 'test', timeoutMs: 0, warn: (m) => warnings.push(m) })
    await lock.release()
    expect(warnings).toEqual([
      `A sparkbaas run was killed while replacing files in ${out(dir)}: the files it had replaced were put back, so the folder is as the run before it left it.`,
    ])
    expect(contentsOf(readTree(out(dir)))).toEqual(before)
    expect(listPrivate(dir)).toEqual(['.gitignore'])

    await generate({ cwd: dir })
    expect((await generate({ cwd: dir, check: true })).upToDate).toBe(true)
  })

  test('SIGINT mid-swap waits for the renames to end, then ends the run as SIGINT does: the new output is whole', async () => {
    const dir = makeProject()
    await generate({ cwd: dir })
    writeConfig(dir, NEXT)
    const release = join(dir, 'release')
    const run = pausedSwap(dir, 2, release)
    await run.paused
    run.child.kill('SIGINT')
    await new Promise((done) => setTimeout(done, 300))
    expect(run.child.exitCode).toBe(null)
    writeFileSync(release, '')
    expect(await run.exit).toEqual({ code: null, signal: 'SIGINT' })
    expect((await generate({ cwd: dir, check: true })).drift).toEqual({ stale: [], missing: [], extra: [] })
    expect(listPrivate(dir)).toEqual(['.gitignore'])
  })
})

describe('recoverSwaps', () => {
  /** A swap folder as a killed run leaves it, for the states the rollback must handle. */
  function killedSwap(outDir: string, journal: object): string {
    const swap = join(outDir, PRIVATE_DIR, `swap-${deadPid()}-0123456789ab`)
    mkdirSync(swap, { recursive: true })
    writeFileSync(join(swap, 'journal.json'), JSON.stringify({ version: 1, ...journal }))
    return swap
  }

  test('puts back replaced files, removes new ones and their new folders, restores removed ones; a second pass changes nothing', async () => {
    const outDir = tempDir()
    writeFileSync(join(outDir, 'a.txt'), 'old a')
    writeFileSync(join(outDir, 'b.txt'), 'old b')
    writeFileSync(join(outDir, 'c.txt'), 'old c')
    writeFileSync(join(outDir, 'e.txt'), 'old e')
    const swap = killedSwap(outDir, { files: ['a.txt', 'sub/d.txt', 'c.txt', 'e.txt'], removals: ['b.txt'], dirs: ['sub'] })
    // a.txt: replaced (old kept as old-0). sub/d.txt: new, moved in. c.txt: old kept, new not moved yet.
    linkSync(join(outDir, 'a.txt'), join(swap, 'old-0'))
    writeFileSync(join(outDir, 'a.txt.new'), 'new a')
    renameSync(join(outDir, 'a.txt.new'), join(outDir, 'a.txt'))
    mkdirSync(join(outDir, 'sub'))
    writeFileSync(join(outDir, 'sub', 'd.txt'), 'new d')
    linkSync(join(outDir, 'c.txt'), join(swap, 'old-2'))
    writeFileSync(join(swap, '2'), 'new c')
    // e.txt: a rollback killed between its two renames (the new file back in the swap, the old not yet back).
    renameSync(join(outDir, 'e.txt'), join(swap, 'old-3'))
    writeFileSync(join(swap, '3'), 'new e')
    // b.txt: removed (moved into the swap).
    renameSync(join(outDir, 'b.txt'), join(swap, 'gone-0'))

    expect(await recoverSwaps(outDir)).toEqual([expect.stringMatching(/^swap-\d+-0123456789ab$/)])
    const expected = { 'a.txt': { text: 'old a', mode: '644' }, 'b.txt': { text: 'old b', mode: '644' }, 'c.txt': { text: 'old c', mode: '644' }, 'e.txt': { text: 'old e', mode: '644' } }
    expect(contentsOf(readTree(outDir))).toEqual(expected)
    expect(existsSync(swap)).toBe(false)
    expect(await recoverSwaps(outDir)).toEqual([])
  })

  test('a swap past its commit point (journal deleted) is only removed; a live run’s swap and a journal leading outside are left alone', async () => {
    const outDir = tempDir()
    writeFileSync(join(outDir, 'a.txt'), 'new a')
    const done = killedSwap(outDir, { files: ['a.txt'], removals: [], dirs: [] })
    writeFileSync(join(done, 'old-0'), 'old a')
    const { unlinkSync } = await import('node:fs')
    unlinkSync(join(done, 'journal.json'))
    const live = join(outDir, PRIVATE_DIR, `swap-${process.pid}-0123456789ab`)
    mkdirSync(live)
    writeFileSync(join(live, 'journal.json'), JSON.stringify({ version: 1, files: ['a.txt'], removals: [], dirs: [] }))
    writeFileSync(join(live, 'old-0'), 'old a')
    expect(await recoverSwaps(outDir)).toEqual([])
    expect(readFileSync(join(outDir, 'a.txt'), 'utf8')).toBe('new a')
    expect(existsSync(done)).toBe(false)
    expect(existsSync(live)).toBe(true)

    const outside = join(tempDir(), 'victim.txt')
    writeFileSync(outside, 'keep me')
    const crafted = killedSwap(outDir, { files: [`../${outside}`], removals: [], dirs: [] })
    writeFileSync(join(crafted, 'old-0'), 'replaced')
    await recoverSwaps(outDir)
    expect(readFileSync(outside, 'utf8')).toBe('keep me')
  })
})
