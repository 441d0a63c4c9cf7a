/**
 * An interrupted `backup` (issue 12, item 1): its dumps are staged in `backups/.sparkbaas/backup-<pid>-…` (0700,
 * git-ignored), removed at once by Ctrl-C, and left by a SIGKILL only until the next backup. pg_dump is held
 * mid-backup deterministically: another session keeps an ACCESS EXCLUSIVE lock on a table, and pg_dump, which
 * takes ACCESS SHARE locks on every table it dumps, waits for it (PostgreSQL docs, app-pgdump.html,
 * `--lock-wait-timeout`: "Do not wait forever to acquire shared table locks at the beginning of the dump").
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ROOT } from '../helpers/cli.js'
import { findPostgres, pgStack, type PgStack } from '../helpers/pg-stack.js'
import { TWO_DB_CONFIG } from './helpers.js'

const found = findPostgres()
if (!found.found) console.warn(`[backup interrupt] skipped: ${found.reason}`)

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8)
const until = async (what: string, check: () => Promise<boolean> | boolean) => {
  for (let i = 0; i < 300; i++) {
    if (await check()) return
    await new Promise((done) => setTimeout(done, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** A backup held by a lock on analytics.events, run by the built CLI in its own process group (as at a shell). */
async function heldBackup(s: PgStack): Promise<{ cli: ChildProcess; locker: ChildProcess; exit: Promise<NodeJS.Signals | number | null>; scratch: string }> {
  await s.sql('analytics', 'create table if not exists events (id int)')
  const locker = spawn(join(found.found ? found.bin.bindir : '', 'psql'), ['-X', '-q', '-U', 'postgres', '-d', 'analytics', '-c', 'lock table events in access exclusive mode; select pg_sleep(120)'], {
    env: { ...process.env, PGHOST: s.pg.socketDir, PGPORT: String(s.pg.port) },
    stdio: 'ignore',
  })
  await until('the lock', async () => (await s.sql('analytics', `select count(*) from pg_locks where relation = 'events'::regclass and mode = 'AccessExclusiveLock' and granted`)) === '1')
  const env: Record<string, string | undefined> = { ...process.env, SPARKBAAS_COMPOSE: undefined, HTTP_PORT: undefined, POSTGRES_HOST_PORT: undefined, ...s.fake.env(s.pgEnv) }
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key]
  const cli = spawn(process.execPath, [join(ROOT, 'bin/sparkbaas.mjs'), 'backup'], { cwd: s.dir, env: env as NodeJS.ProcessEnv, stdio: 'ignore', detached: true })
  const exit = new Promise<NodeJS.Signals | number | null>((resolve) => cli.on('exit', (code, signal) => resolve(signal ?? code)))
  const privateDir = join(s.dir, 'backups', '.sparkbaas')
  await until('pg_dump waiting for the lock', async () => (await s.sql('postgres', `select count(*) from pg_stat_activity where datname = 'analytics' and wait_event_type = 'Lock'`)) === '1')
  const scratch = readdirSync(privateDir).find((name) => name.startsWith(`backup-${cli.pid}-`))
  expect(scratch).toBeDefined()
  return { cli, locker, exit, scratch: join(privateDir, scratch!) }
}

/** Ends the locking session on the server too (a killed psql's backend would sleep on, holding the lock). */
async function unlock(s: PgStack, locker: ChildProcess): Promise<void> {
  await s.sql('postgres', `select pg_terminate_backend(pid) from pg_stat_activity where query like 'lock table events%'`)
  locker.kill()
}

describe.skipIf(!found.found)('interrupted backup', () => {
  test('Ctrl-C removes the staged dumps at once; a SIGKILL leaves them private and git-ignored until the next backup', async () => {
    if (!found.found) return
    const s = await pgStack(found.bin, { config: TWO_DB_CONFIG })
    const privateDir = join(s.dir, 'backups', '.sparkbaas')

    const first = await heldBackup(s)
    // Dumps already made are in it (roles.sql first), readable by nobody else.
    expect(existsSync(join(first.scratch, 'roles.sql'))).toBe(true)
    expect(mode(privateDir)).toBe('700')
    expect(mode(first.scratch)).toBe('700')
    expect(readdirSync(join(s.dir, 'backups')).filter((name) => name.startsWith('.sparkbaas-'))).toEqual([])
    // Ctrl-C at a shell signals the whole foreground process group: the CLI and the pg_dump it runs.
    process.kill(-first.cli.pid!, 'SIGINT')
    await first.exit
    expect(existsSync(first.scratch)).toBe(false)
    expect(readdirSync(privateDir).filter((name) => !name.startsWith('lock-'))).toEqual(['.gitignore'])
    await unlock(s, first.locker)

    const second = await heldBackup(s)
    process.kill(-second.cli.pid!, 'SIGKILL')
    await second.exit
    expect(existsSync(second.scratch)).toBe(true)
    spawnSync('git', ['init', '-q'], { cwd: s.dir })
    const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: s.dir, encoding: 'utf8' }).stdout
    expect(status.split('\n').filter((line) => line.includes('backups/'))).toEqual([])
    await unlock(s, second.locker)
    // The next backup takes over the dead run's lock and removes what it left.
    const next = await s.run(['backup'])
    expect(next.code, next.stderr).toBe(0)
    expect(readdirSync(privateDir)).toEqual(['.gitignore'])
    expect(readdirSync(join(s.dir, 'backups')).filter((name) => name.endsWith('.tar'))).toHaveLength(1)
  }, 60_000)
})
