/**
 * Tampered archives on a real PostgreSQL: a manifest re-pointed at another database's dump (hashes recomputed so
 * the archive looks whole), a roles.sql that grants the superuser role, databases the config does not own, and a
 * dump pg_restore can list but not restore. Each is refused or rolled back with the stack's databases as they were.
 *
 * Upstream facts relied on (postgres/postgres, src/bin/pg_dump/pg_backup_archiver.c, PrintTOCSummary): the header
 * of `pg_restore --list` names the dumped database in a `;     dbname: <name>` line, read from the archive's own
 * header (AH->archdbname), which pg_dump writes when it dumps; the manifest beside it plays no part.
 * `ALTER DATABASE … RENAME` refuses while other sessions are connected and may run inside a transaction block,
 * unlike CREATE/DROP DATABASE (doc/src/sgml/ref/alter_database.sgml, src/backend/commands/dbcommands.c RenameDatabase).
 */
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { findPostgres, pgStack, type PgStack } from '../helpers/pg-stack.js'
import { editManifest, rewriteArchive, stable } from './helpers.js'

const found = findPostgres()

const HINT_INVALID = 'hint: Use an archive written by `sparkbaas backup`, unchanged since (copy it as a binary file).'
const block = (...lines: string[]) => [...lines, ''].join('\n')
const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex')

/** Replaces a file of an unpacked archive and recomputes its size and sha256 in the manifest, as an attacker would. */
function forge(dir: string, file: string, bytes: Buffer | string): void {
  writeFileSync(join(dir, file), bytes)
  editManifest(dir, (m) => {
    const entry = file === 'roles.sql' ? m.roles : m.databases.find((d: { file: string }) => d.file === file)
    entry.bytes = Buffer.byteLength(bytes)
    entry.sha256 = sha(bytes)
  })
}

/** What must survive: a row written after the backup in keycloak, and one in app. */
async function markers(s: PgStack): Promise<string> {
  return `${await s.sql('keycloak', 'select x from public.marker')} ${await s.sql('app', 'select x from api.marker')}`
}

const changing = (s: PgStack, from: number) =>
  s.fake
    .calls()
    .slice(from)
    .map((c) => c.slice(s.compose.length))
    .filter((c) => ['stop', 'start'].includes(c[0]!) || c.some((a) => ['dropdb', 'createdb'].includes(a)) || (c.includes('pg_restore') && c.includes('-d')))

describe.skipIf(!found.found)('restore of a tampered archive', () => {
  test('a re-pointed dump, a privileged grant in roles.sql, and databases outside the config are refused; nothing changes', async () => {
    if (!found.found) return
    const s = await pgStack(found.bin)
    expect((await s.run(['backup', '--file', 'good.tar'])).code).toBe(0)
    const good = join(s.dir, 'good.tar')
    await s.sql('keycloak', 'create table public.marker (x text)', `insert into public.marker values ('kc-after-backup')`)
    await s.sql('app', 'create table api.marker (x text)', `insert into api.marker values ('app-after-backup')`)
    const calls = s.fake.calls().length

    // The keycloak entry now points at app's dump, its size and sha256 recomputed: the archive is "whole".
    await rewriteArchive(good, join(s.dir, 'swapped.tar'), (dir) => forge(dir, 'databases/keycloak.dump', readFileSync(join(dir, 'databases/app.dump'))))
    const swapped = await s.run(['restore', '--file', 'swapped.tar', '--yes'])
    expect(swapped.stdout).toBe('')
    expect({ code: swapped.code, stderr: swapped.stderr }).toEqual({
      code: 1,
      stderr: block(
        '✖ swapped.tar cannot be restored: databases/keycloak.dump is a dump of database "app" (the dbname in its own header), but its manifest.json says it is database "keycloak".',
        HINT_INVALID,
      ),
    })

    // roles.sql makes anon a member of the superuser role: the whole restore is refused, and the statement named.
    await rewriteArchive(good, join(s.dir, 'grant.tar'), (dir) =>
      forge(dir, 'roles.sql', `${readFileSync(join(dir, 'roles.sql'), 'utf8')}\nGRANT postgres TO anon;\nALTER ROLE anon SET role TO 'postgres';\nDROP ROLE keycloak;\n`),
    )
    const grant = await s.run(['restore', '--file', 'grant.tar', '--yes'])
    expect(grant.stdout).toBe('')
    expect({ code: grant.code, stderr: grant.stderr }).toEqual({
      code: 1,
      stderr: block(
        '✖ grant.tar cannot be restored: its roles.sql asks for what a restore never applies; nothing was changed:',
        '  roles.sql: GRANT postgres TO anon: gives "anon" the rights of "postgres", a role the stack already has (a restore only grants the roles it creates)',
        `  roles.sql: ALTER ROLE anon SET role TO 'postgres': sets "role", which is not a setting a restore applies (timeouts, search_path, work_mem, … and dotted custom settings such as pgrst.*)`,
        '  roles.sql: DROP ROLE keycloak: not a statement `pg_dumpall --roles-only` writes',
        HINT_INVALID,
      ),
    })
    expect(await s.sql('postgres', `select pg_has_role('anon', 'postgres', 'member')::text`)).toBe('false')

    // Databases the config does not own: the templates, and one it never had.
    await rewriteArchive(good, join(s.dir, 'system.tar'), (dir) => {
      const app = readFileSync(join(dir, 'databases/app.dump'))
      for (const name of ['template1', 'template0', 'reports']) writeFileSync(join(dir, `databases/${name}.dump`), app)
      editManifest(dir, (m) => {
        const entry = m.databases.find((d: { name: string }) => d.name === 'app')
        for (const name of ['template1', 'template0', 'reports']) m.databases.push({ ...entry, name, file: `databases/${name}.dump`, inConfig: true })
      })
      return ['manifest.json', 'roles.sql', 'databases/app.dump', 'databases/keycloak.dump', 'databases/postgres.dump', 'databases/template1.dump', 'databases/template0.dump', 'databases/reports.dump']
    })
    const system = await s.run(['restore', '--file', 'system.tar', '--yes'])
    expect(system.stdout).toBe('')
    expect({ code: system.code, stderr: system.stderr }).toEqual({
      code: 1,
      stderr: block(
        '✖ system.tar does not fit stack demo; nothing was changed:',
        '  databases: the archive has database "template1", a template of PostgreSQL itself, which a restore never replaces',
        '  databases: the archive has database "template0", a template of PostgreSQL itself, which a restore never replaces',
        '  databases: the archive has database "reports", which is not one of this config\'s databases (postgres, keycloak, app)',
        'hint: Restore it onto the stack it was made from (same project, its databases in the config, PostgreSQL of the same or a newer major: postgres.version).',
      ),
    })

    // None of them stopped a service, created, dropped or restored a database.
    expect(changing(s, calls)).toEqual([])
    expect(await markers(s)).toBe('kc-after-backup app-after-backup')
  }, 180_000)

  test('a dump that fails part-way leaves every database as it was; the good archive then replaces them', async () => {
    if (!found.found) return
    const s = await pgStack(found.bin)
    // Enough rows that cutting the dump leaves its table of contents whole and its data short.
    await s.sql('keycloak', `create table public.bulk as select i, md5(i::text) as h from generate_series(1, 200000) i`)
    expect((await s.run(['backup', '--file', 'good.tar'])).code).toBe(0)
    const good = join(s.dir, 'good.tar')
    await s.sql('keycloak', 'create table public.marker (x text)', `insert into public.marker values ('kc-after-backup')`)
    await s.sql('app', 'create table api.marker (x text)', `insert into api.marker values ('app-after-backup')`)

    await rewriteArchive(good, join(s.dir, 'cut.tar'), (dir) => {
      const dump = readFileSync(join(dir, 'databases/keycloak.dump'))
      forge(dir, 'databases/keycloak.dump', dump.subarray(0, Math.floor(dump.length / 2)))
    })
    const cut = await s.run(['restore', '--file', 'cut.tar', '--yes'])
    expect(cut.code).toBe(1)
    const lines = cut.stderr.split('\n')
    expect(lines.slice(0, 4)).toEqual(['Stopping keycloak, postgrest, traefik (they hold connections)…', 'Restoring database app…', 'Restoring database keycloak…', 'Starting keycloak, postgrest, traefik again…'])
    expect(lines[4]).toMatch(/^✖ Restore failed\. `docker compose -p demo .* exec -T postgres pg_restore -U postgres --exit-on-error -d sparkbaas_restore_[0-9a-f]{8}` failed with exit code 1:$/)
    expect(lines.slice(-6)).toEqual([
      'Stopped at database "keycloak": its restore failed, and it was left as it was (the restored copy was dropped).',
      'Restored before it: app.',
      'Not touched: postgres.',
      'Started again: keycloak, postgrest, traefik.',
      'hint: Fix the cause, then run the restore again: it starts over from the archive, which is unchanged.',
      '',
    ])
    // keycloak is the old one, whole; app was replaced by its backup; no temporary database is left.
    expect(await s.sql('keycloak', 'select x from public.marker')).toBe('kc-after-backup')
    expect(await s.sql('keycloak', 'select count(*) from public.bulk')).toBe('200000')
    expect(await s.sql('app', `select to_regclass('api.marker') is null`)).toBe('t')
    expect(await s.sql('postgres', `select count(*) from pg_database where datname like 'sparkbaas\\_%'`)).toBe('0')

    // The good archive replaces keycloak, keeping the owner the dump gives it, and leaves nothing behind.
    const ok = await s.run(['restore', '--file', 'good.tar', '--yes'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(await s.sql('keycloak', `select to_regclass('public.marker') is null`)).toBe('t')
    expect(await s.sql('keycloak', `select pg_get_userbyid(datdba) from pg_database where datname = current_database()`)).toBe('keycloak')
    expect(await s.sql('postgres', `select count(*) from pg_database where datname like 'sparkbaas\\_%'`)).toBe('0')
    expect(stable(ok.stdout)).toContain('  databases: app, keycloak, postgres\n')
  }, 180_000)
})
