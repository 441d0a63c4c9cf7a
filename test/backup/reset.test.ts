/**
 * `sparkbaas reset` and the refusals that need no database: reset without --yes, backup and reset on a stack that
 * is down. With --yes, the compose calls in order: the backup's (ps, psql, pg_dumpall, pg_dump…), then
 * `down --volumes`, then `up`.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { findPostgres, pgStack } from '../helpers/pg-stack.js'
import { stackFixture, VERSION_CALL } from '../helpers/stack.js'
import { backups, stable } from './helpers.js'

const found = findPostgres()
const block = (...lines: string[]) => [...lines, ''].join('\n')

const NOT_RUNNING = (command: string) =>
  `✖ ${command} needs the stack's Postgres, but the postgres service of demo has no container.`
const START_HINT = 'hint: Start the stack with `sparkbaas up` (or just Postgres: `sparkbaas up postgres`), then run it again.'

describe('backup, restore and reset without a database', () => {
  test('backup --out x.tar: --out is the generated folder; the error points to --file (exit 2, no engine call)', async () => {
    const s = await stackFixture()
    const result = await s.run(['backup', '--out', 'today.tar'])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      block(
        '✖ --out is the folder of the generated stack, as for every stack command; "today.tar" looks like an archive.',
        'hint: Name the archive with --file: `sparkbaas backup --file today.tar`.',
      ),
    )
    expect(s.fake.calls()).toEqual([])
  })

  test('backup says Postgres is not running and writes nothing (exit 1)', async () => {
    const s = await stackFixture()
    const result = await s.run(['backup'])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(block(NOT_RUNNING('sparkbaas backup'), START_HINT))
    expect(s.fake.calls()).toEqual([VERSION_CALL, [...s.compose, 'ps', '--all', '--format', 'json']])
    expect(existsSync(join(s.dir, 'backups'))).toBe(false)

    const json = await s.run(['backup', '--json'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      problems: [{ path: '', code: 'stack_not_running', message: "sparkbaas backup needs the stack's Postgres, but the postgres service of demo has no container." }],
    })
  })

  test('a stopped postgres container is named as such', async () => {
    const s = await stackFixture()
    const { psLine } = await import('../helpers/fake-docker.js')
    // Any existing file as the fake's state file makes its `ps` print FAKE_DOCKER_PS.
    const result = await s.run(['backup'], { FAKE_DOCKER_STATE: join(s.dir, 'sparkbaas.config.json'), FAKE_DOCKER_PS: `${psLine('demo', 'postgres', 'exited', '')}\n` })
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(block("✖ sparkbaas backup needs the stack's Postgres, but the postgres service of demo is exited.", START_HINT))
  })

  test('restore without --yes refuses (exit 2) and runs nothing, also when the archive cannot be read', async () => {
    const s = await stackFixture()
    writeFileSync(join(s.dir, 'junk.tar'), 'not a tar archive\n')
    const result = await s.run(['restore', '--file', 'junk.tar'])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      block(
        '✖ restore drops every database junk.tar holds from stack demo and recreates it from the archive: what they hold now is lost.',
        'hint: Add --yes to restore: `sparkbaas restore --file junk.tar --yes`. `sparkbaas backup` first keeps what the stack holds now.',
      ),
    )
    expect(s.fake.calls()).toEqual([])
  })

  test('restore of a file that does not exist says so first, with or without --yes (exit 1), and runs nothing', async () => {
    const s = await stackFixture()
    for (const args of [['restore', '--file', 'nope.tar'], ['restore', '--file', 'nope.tar', '--yes']]) {
      const result = await s.run(args)
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(block('✖ nope.tar does not exist.', 'hint: `ls backups/` shows the archives `sparkbaas backup` wrote.'))
    }
    expect(s.fake.calls()).toEqual([])
  })

  test('reset without --yes refuses (exit 2), says what it would do, and runs nothing', async () => {
    const s = await stackFixture()
    for (const args of [['reset'], ['reset', '--no-yes']]) {
      const result = await s.run(args)
      expect(result.code).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toBe(
        block(
          '✖ reset deletes the data of stack demo and starts it empty:',
          '  backup: every database is backed up first, into backups/ beside the config file',
          '  down: the containers and volume demo_pgdata are deleted',
          '  up: the stack starts again on empty volumes (the init SQL runs anew)',
          'hint: Add --yes to reset: `sparkbaas reset --yes`.',
        ),
      )
    }
    expect(s.fake.calls()).toEqual([])
  })

  test('reset --yes stops before deleting anything when the backup fails', async () => {
    const s = await stackFixture()
    const result = await s.run(['reset', '--yes'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      block(
        "✖ Reset stopped before deleting anything: the backup failed. sparkbaas backup needs the stack's Postgres, but the postgres service of demo has no container.",
        'hint: Start the stack with `sparkbaas up` (or just Postgres: `sparkbaas up postgres`), then run it again. To reset without a backup: `sparkbaas down --volumes --yes`, then `sparkbaas up`.',
      ),
    )
    expect(s.fake.calls().map((c) => c.slice(s.compose.length)[0])).toEqual([undefined, 'ps'])
  })
})

describe.skipIf(!found.found)('reset --yes on a real PostgreSQL', () => {
  test('backup first, then down --volumes, then up; prints where the backup is and how to restore it', async () => {
    if (!found.found) return
    const s = await pgStack(found.bin)

    // A pg_dump that fails (a stand-in bindir whose pg_dump errors): reset stops before deleting anything.
    const bindir = mkdtempSync(join(tmpdir(), 'sparkbaas-failing-pg-'))
    for (const program of ['psql', 'pg_dumpall']) symlinkSync(join(found.bin.bindir, program), join(bindir, program))
    writeFileSync(join(bindir, 'pg_dump'), '#!/bin/sh\necho "pg_dump: error: could not write to output file: No space left on device" >&2\nexit 1\n', { mode: 0o755 })
    const pgSettings = JSON.parse(s.pgEnv.FAKE_DOCKER_PG!) as Record<string, unknown>
    const failing = await s.run(['reset', '--yes'], { FAKE_DOCKER_PG: JSON.stringify({ ...pgSettings, bindir }) })
    rmSync(bindir, { recursive: true, force: true })
    expect(failing.code).toBe(1)
    expect(failing.stdout).toBe('')
    expect(failing.stderr).toBe(
      block(
        `✖ Reset stopped before deleting anything: the backup failed. Backup failed while dumping database "app" (pg_dump); no archive was written:`,
        `\`${s.compose.join(' ').replaceAll(s.dir, '<tmp>')} exec -T postgres pg_dump -U postgres -Fc -d 'dbname='\\''app'\\'''\` failed with exit code 1:`,
        '  pg_dump: error: could not write to output file: No space left on device',
        'hint: `sparkbaas logs postgres` shows the server side. To reset without a backup: `sparkbaas down --volumes --yes`, then `sparkbaas up`.',
      ),
    )
    expect(s.fake.calls().filter((c) => c.includes('down') || c.includes('up'))).toEqual([])
    // Neither an archive nor the staging folder is left behind.
    expect(readdirSync(join(s.dir, 'backups'))).toEqual(['.sparkbaas'])
    expect(readdirSync(join(s.dir, 'backups', '.sparkbaas'))).toEqual(['.gitignore'])
    const before = s.fake.calls().length

    const result = await s.run(['reset', '--yes'])
    expect(result.code, result.stderr).toBe(0)
    const [archive] = backups(s.dir)
    expect(archive).toMatch(/^demo-\d{8}T\d{6}Z\.tar$/)

    const calls = s.fake.calls().slice(before).map((c) => (c[0] === 'docker' && c[1] === 'compose' && c[2] === '-p' ? c.slice(s.compose.length) : c))
    const pg = (c: string[]) => (c[0] === 'exec' ? c.slice(0, 4) : c)
    expect(calls.map(pg)).toEqual([
      VERSION_CALL,
      ['ps', '--all', '--format', 'json'],
      ['exec', '-T', 'postgres', 'psql'],
      ['exec', '-T', 'postgres', 'pg_dumpall'],
      ['exec', '-T', 'postgres', 'pg_dump'],
      ['exec', '-T', 'postgres', 'pg_dump'],
      ['exec', '-T', 'postgres', 'pg_dump'],
      ['down', '--remove-orphans', '--volumes'],
      ['ps', '--all', '--format', 'json'],
      ['up', '-d', '--wait', '--remove-orphans'],
    ])
    expect(calls.filter((c) => c.includes('pg_dump')).map((c) => c.at(-1))).toEqual(["dbname='app'", "dbname='keycloak'", "dbname='postgres'"])

    expect(stable(result.stdout)).toBe(
      block(
        '✔ Backed up demo to backups/demo-<time>.tar (<size>)',
        '  app       <size>',
        '  keycloak  <size>',
        '  postgres  <size>',
        '✔ demo was reset: it runs on empty volumes',
        '  The data from before is in backups/demo-<time>.tar; restore it with: sparkbaas restore --file backups/demo-<time>.tar --yes',
      ),
    )
    expect(result.stderr).toBe(
      block(' Container demo-postgres-1  Removed', 'Deleted the containers and volumes of demo; starting it again…', ' Container demo-postgres-1  Started', ' Container demo-postgres-1  Healthy'),
    )

    const json = await s.run(['reset', '--yes', '--json'])
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      project: 'demo',
      backup: { project: 'demo', databases: [{ name: 'app' }, { name: 'keycloak' }, { name: 'postgres' }] },
      volumesDeleted: ['demo_pgdata'],
    })
    expect(backups(s.dir)).toHaveLength(2)
  }, 120_000)
})
