/**
 * What a restore refuses, on a real PostgreSQL: archives that are damaged, not archives, or made for another
 * stack, holding a database made by hand, or a dump pg_restore cannot read; each refused with its own message
 * before anything is stopped or dropped. (A restore that fails part-way: tampered.test.ts.)
 */
import { createHash } from 'node:crypto'
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { findPostgres, pgStack, type PgStack } from '../helpers/pg-stack.js'
import { backups, editManifest, rewriteArchive, stable } from './helpers.js'

const found = findPostgres()

const HINT_INVALID = 'hint: Use an archive written by `sparkbaas backup`, unchanged since (copy it as a binary file).'

/** Runs `restore --file <name> --yes` and returns exit code and stderr (stdout must stay empty). */
async function refused(s: PgStack, name: string): Promise<{ code: number; stderr: string }> {
  const result = await s.run(['restore', '--file', name, '--yes'])
  expect(result.stdout).toBe('')
  return { code: result.code, stderr: stable(result.stderr) }
}

const block = (...lines: string[]) => [...lines, ''].join('\n')

const HAND = "Hand 'made' = db"
const HAND_CONNINFO = "dbname='Hand \\'made\\' = db'"
async function handMade(s: PgStack): Promise<string> {
  const result = await s.pg.psql(['-X', '-qAt', '-U', 'postgres', '-d', HAND_CONNINFO, '-c', 'select x from kept'])
  return result.exitCode === 0 ? result.stdout.trim() : `failed: ${result.stderr}`
}

describe.skipIf(!found.found)('restore refuses', () => {
  test('damaged, foreign and mismatched archives, each with its reason, change nothing; a failure half way is told and repaired', async () => {
    if (!found.found) return
    const s = await pgStack(found.bin)
    const major = found.bin.major
    // A database made by hand, with a name libpq would read as a connection string if passed plainly.
    await s.sql('postgres', `create database "${HAND}"`)
    await s.pg.psql(['-X', '-q', '-U', 'postgres', '-d', HAND_CONNINFO, '-c', 'create table kept (x text)', '-c', `insert into kept values ('made by hand')`])
    expect(await handMade(s)).toBe('made by hand')
    expect((await s.run(['backup', '--file', 'good.tar'])).code).toBe(0)
    const good = join(s.dir, 'good.tar')
    // What must survive every refusal untouched.
    await s.sql('app', 'create table api.marker (x int)')
    const calls = s.fake.calls().length

    expect(await refused(s, 'nope.tar')).toEqual({ code: 1, stderr: block('✖ nope.tar does not exist.', 'hint: `ls backups/` shows the archives `sparkbaas backup` wrote.') })

    writeFileSync(join(s.dir, 'notes.txt'), 'not an archive\n')
    expect(await refused(s, 'notes.txt')).toEqual({
      code: 1,
      stderr: block('✖ notes.txt cannot be restored: it is not a tar archive.', HINT_INVALID),
    })

    writeFileSync(join(s.dir, 'half.tar'), readFileSync(good).subarray(0, 700))
    expect(await refused(s, 'half.tar')).toEqual({
      code: 1,
      stderr: block('✖ half.tar cannot be restored: it is cut short (a truncated tar archive).', HINT_INVALID),
    })

    await rewriteArchive(good, join(s.dir, 'no-manifest.tar'), () => ['roles.sql'])
    expect(await refused(s, 'no-manifest.tar')).toEqual({ code: 1, stderr: block('✖ no-manifest.tar cannot be restored: it holds no manifest.json.', HINT_INVALID) })

    await rewriteArchive(good, join(s.dir, 'bad-json.tar'), (dir) => void writeFileSync(join(dir, 'manifest.json'), '{"format": '))
    expect(await refused(s, 'bad-json.tar')).toEqual({ code: 1, stderr: block('✖ bad-json.tar cannot be restored: its manifest.json is not valid JSON.', HINT_INVALID) })

    await rewriteArchive(good, join(s.dir, 'malformed.tar'), (dir) => editManifest(dir, (m) => void (m.databases[0].sha256 = 'xyz')))
    expect(await refused(s, 'malformed.tar')).toEqual({
      code: 1,
      stderr: block('✖ malformed.tar cannot be restored: its manifest.json is malformed at databases.0.sha256: expected a hex sha256.', HINT_INVALID),
    })

    await rewriteArchive(good, join(s.dir, 'future.tar'), (dir) => editManifest(dir, (m) => Object.assign(m, { formatVersion: 2, sparkbaasVersion: '9.0.0' })))
    expect(await refused(s, 'future.tar')).toEqual({
      code: 1,
      stderr: block(
        '✖ future.tar was made by a newer sparkbaas (9.0.0, archive format 2); this one reads format 1.',
        'hint: Restore it with that sparkbaas version or a newer one (`npm install sparkbaas@latest`).',
      ),
    })

    // One byte changed in a dump, same size: the sha256 catches it.
    await rewriteArchive(good, join(s.dir, 'corrupt.tar'), (dir) => {
      const file = join(dir, 'databases/app.dump')
      const bytes = readFileSync(file)
      bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff
      writeFileSync(file, bytes)
    })
    expect(await refused(s, 'corrupt.tar')).toEqual({
      code: 1,
      stderr: block('✖ corrupt.tar cannot be restored: databases/app.dump is damaged (its sha256 differs from the one in manifest.json).', HINT_INVALID),
    })

    await rewriteArchive(good, join(s.dir, 'short.tar'), (dir) => {
      writeFileSync(join(dir, 'databases/app.dump'), 'x')
    })
    expect(await refused(s, 'short.tar')).toEqual({
      code: 1,
      stderr: block('✖ short.tar cannot be restored: databases/app.dump is damaged (its size differs from the one in manifest.json).', HINT_INVALID),
    })

    await rewriteArchive(good, join(s.dir, 'missing.tar'), () => ['manifest.json', 'roles.sql', 'databases/keycloak.dump', 'databases/postgres.dump', 'databases/database-1.dump'])
    expect(await refused(s, 'missing.tar')).toEqual({
      code: 1,
      stderr: block('✖ missing.tar cannot be restored: databases/app.dump is listed in its manifest.json but missing from the archive.', HINT_INVALID),
    })

    // Another project, a database from another config, a newer Postgres: all three reported at once.
    await rewriteArchive(good, join(s.dir, 'foreign.tar'), (dir) => {
      copyFileSync(join(dir, 'databases/app.dump'), join(dir, 'databases/reports.dump'))
      editManifest(dir, (m) => {
        m.project = 'other'
        m.postgres = { version: `${major + 1}.0 (Debian)`, major: major + 1 }
        m.databases.push({ ...m.databases.find((d: { name: string }) => d.name === 'app'), name: 'reports', file: 'databases/reports.dump' })
      })
      return ['manifest.json', 'roles.sql', 'databases/app.dump', 'databases/keycloak.dump', 'databases/postgres.dump', 'databases/reports.dump', 'databases/database-1.dump']
    })
    const foreign = await s.run(['restore', '--file', 'foreign.tar', '--yes'])
    expect(foreign.code).toBe(1)
    expect(foreign.stderr).toBe(
      block(
        '✖ foreign.tar does not fit stack demo; nothing was changed:',
        '  project: the archive is of project "other", this stack is "demo"',
        `  databases: the archive has database "${HAND}", which is not one of this config's databases (postgres, keycloak, app)`,
        '  databases: the archive has database "reports", which is not one of this config\'s databases (postgres, keycloak, app)',
        `  postgres: the archive was dumped from PostgreSQL ${major + 1} (${major + 1}.0 (Debian)), the stack runs PostgreSQL ${major}, and an older server cannot restore a newer dump`,
        'hint: Restore it onto the stack it was made from (same project, its databases in the config, PostgreSQL of the same or a newer major: postgres.version).',
      ),
    )

    await rewriteArchive(good, join(s.dir, 'newer.tar'), (dir) => editManifest(dir, (m) => void (m.postgres.major = major + 1)))
    const newer = await s.run(['restore', '--file', 'newer.tar', '--yes', '--json'])
    expect(newer.code).toBe(1)
    expect(JSON.parse(newer.stdout)).toEqual({
      ok: false,
      problems: [
        { path: 'databases', code: 'archive_mismatch', message: `the archive has database "${HAND}", which is not one of this config's databases (postgres, keycloak, app)` },
        {
          path: 'postgres',
          code: 'archive_mismatch',
          message: expect.stringMatching(new RegExp(`^the archive was dumped from PostgreSQL ${major + 1} \\(.*\\), the stack runs PostgreSQL ${major}, and an older server cannot restore a newer dump$`)),
        },
      ],
    })

    // Nothing was stopped, dropped or restored by any of them.
    const ran = s.fake.calls().slice(calls).map((c) => c.slice(s.compose.length))
    expect(ran.filter((c) => ['stop', 'start'].includes(c[0]!) || c.includes('dropdb') || c.includes('pg_restore'))).toEqual([])
    expect(await s.sql('app', `select to_regclass('api.marker') is not null`)).toBe('t')

    // A database made by hand is not the config's: an archive holding one is refused (the backup keeps its dump,
    // for pg_restore by hand), and restoring the config's databases leaves it alone.
    const hand = await s.run(['restore', '--file', 'good.tar', '--yes'])
    expect(hand.code).toBe(1)
    expect(hand.stderr).toBe(
      block(
        '✖ good.tar does not fit stack demo; nothing was changed:',
        `  databases: the archive has database "${HAND}", which is not one of this config's databases (postgres, keycloak, app)`,
        'hint: Restore it onto the stack it was made from (same project, its databases in the config, PostgreSQL of the same or a newer major: postgres.version).',
      ),
    )
    const ownOnly = join(s.dir, 'own.tar')
    await rewriteArchive(good, ownOnly, (dir) => {
      editManifest(dir, (m) => void (m.databases = m.databases.filter((d: { name: string }) => d.name !== HAND)))
      return ['manifest.json', 'roles.sql', 'databases/app.dump', 'databases/keycloak.dump', 'databases/postgres.dump']
    })
    await s.sql('postgres', `drop database "${HAND}"`, `create database "${HAND}"`)
    await s.pg.psql(['-X', '-q', '-U', 'postgres', '-d', HAND_CONNINFO, '-c', 'create table kept (x text)', '-c', `insert into kept values ('made again')`])
    writeFileSync(join(s.dir, 'sparkbaas.config.json'), `${readFileSync(join(s.dir, 'sparkbaas.config.json'), 'utf8')}\n`)
    const ok = await s.run(['restore', '--file', 'own.tar', '--yes'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(stable(ok.stderr)).toBe(
      block(
        '! sparkbaas.config.json has changed since the backup (<iso>): the data is restored as it was then, the stack runs the config as it is now.',
        'Stopping keycloak, postgrest, traefik (they hold connections)…',
        'Restoring database app…',
        'Restoring database keycloak…',
        'Restoring database postgres…',
        'Starting keycloak, postgrest, traefik again…',
      ),
    )
    expect(stable(ok.stdout)).toContain(`  databases: app, keycloak, postgres\n`)
    expect(await handMade(s)).toBe('made again')
    expect(await s.sql('app', `select to_regclass('api.marker') is null`)).toBe('t')

    // A dump pg_restore cannot read behind a manifest that vouches for it: refused before anything is stopped,
    // since every dump is read (pg_restore --list) while the archive is checked.
    await rewriteArchive(ownOnly, join(s.dir, 'broken.tar'), (dir) => {
      writeFileSync(join(dir, 'databases/keycloak.dump'), 'PGDMP but not really')
      editManifest(dir, (m) => {
        const entry = m.databases.find((d: { name: string }) => d.name === 'keycloak')
        entry.bytes = 20
        entry.sha256 = createHash('sha256').update('PGDMP but not really').digest('hex')
      })
    })
    const callsBefore = s.fake.calls().length
    const failed = await s.run(['restore', '--file', 'broken.tar', '--yes'])
    expect(failed.code).toBe(1)
    expect(failed.stderr.split('\n')).toEqual([
      // pg_backup_archiver.c (ReadHead): "unsupported version (%d.%d) in file header", read from the bytes after PGDMP.
      '✖ broken.tar cannot be restored: pg_restore cannot read databases/keycloak.dump (unsupported version (32.98) in file header).',
      HINT_INVALID,
      '',
    ])
    const ranNow = s.fake.calls().slice(callsBefore).map((c) => c.slice(s.compose.length))
    expect(ranNow.filter((c) => ['stop', 'start'].includes(c[0]!) || c.includes('dropdb') || c.includes('-d'))).toEqual([
      expect.arrayContaining(['psql']), // serverInfo, on template1
    ])
    expect(await s.sql('keycloak', `select pg_get_userbyid(datdba) from pg_database where datname = current_database()`)).toBe('keycloak')

    // No --file: citty's usage error. A stack that is down: said before anything is touched.
    const noFile = await s.run(['restore', '--yes'])
    expect(noFile.code).toBe(2)
    expect(noFile.stderr).toBe('✖ Missing required argument: --file\n')
    rmSync(s.fake.env().FAKE_DOCKER_STATE!)
    const before = s.fake.calls().length
    const down = await s.run(['restore', '--file', 'good.tar', '--yes'])
    expect(down.code).toBe(1)
    expect(down.stderr).toBe(
      block(
        "✖ sparkbaas restore needs the stack's Postgres, but the postgres service of demo has no container.",
        'hint: Start the stack with `sparkbaas up` (or just Postgres: `sparkbaas up postgres`), then run it again.',
      ),
    )
    expect(s.fake.calls().slice(before).map((c) => c.slice(s.compose.length)[0])).toEqual([undefined, 'ps'])
  }, 180_000)
})
