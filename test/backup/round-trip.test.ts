/**
 * backup → damage → restore on a real PostgreSQL (the fake docker forwards `compose exec postgres` to it): every
 * row comes back, byte for byte, and what was created after the backup is gone.
 */
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { findPostgres, pgStack, type PgStack } from '../helpers/pg-stack.js'
import { VERSION_CALL } from '../helpers/stack.js'
import { backups, entries, lit, mode, stable, TWO_DB_CONFIG } from './helpers.js'

const found = findPostgres()
if (!found.found) console.warn(`[backup round-trip] skipped: ${found.reason}`)

/** Text a user may store: quotes, backslashes, newlines, `$` forms, unicode (U+2028 too), an emoji. */
const HOSTILE = [`it's "quoted" \\ back\\slash`, 'line1\nline2\r\nline3\ttab', `$1 $$ \${X} $HOME \`tick\``, 'ünïcødé \u2028 😀 日本語', '', '--;drop table x;']

async function seed(s: PgStack): Promise<void> {
  await s.sql(
    'app',
    'create table api.items (id serial primary key, title text not null, body bytea, tags text[], meta jsonb)',
    ...HOSTILE.map((t, i) => `insert into api.items (title, body, tags, meta) values (${lit(t)}, decode('00ff${i.toString(16).padStart(2, '0')}0a27', 'hex'), array[${lit(t)}, 'b'], jsonb_build_object('t', ${lit(t)}))`),
    'create view api.titles as select id, title from api.items',
  )
  await s.sql('analytics', 'create table events (at timestamptz primary key, kind text)', `insert into events select timestamptz '2025-01-01' + n * interval '1 hour', 'kind ' || n from generate_series(1, 500) n`)
  await s.sql('postgres', 'create table notes (note text)', `insert into notes values (${lit(HOSTILE[0]!)})`)
}

/** Everything seeded, as text: rows, bytea in hex, the sequence's position, grants the init SQL set up. */
async function snapshot(s: PgStack): Promise<Record<string, string>> {
  return {
    items: await s.sql('app', `select json_agg(json_build_array(id, title, encode(body, 'hex'), tags, meta) order by id) from api.items`),
    view: await s.sql('app', 'select count(*) from api.titles'),
    sequence: await s.sql('app', 'select last_value from api.items_id_seq'),
    events: await s.sql('analytics', `select count(*) || ' ' || md5(string_agg(at::text || kind, ',' order by at)) from events`),
    notes: await s.sql('postgres', 'select json_agg(note) from notes'),
    grants: await s.sql(
      'app',
      `select has_table_privilege('anon', 'api.items', 'select')::text || has_table_privilege('authenticated', 'api.items', 'insert')::text
        || has_database_privilege('authenticator', 'app', 'connect')::text || has_database_privilege('anon', 'app', 'connect')::text`,
    ),
    owners: await s.sql('postgres', `select string_agg(datname || '=' || pg_get_userbyid(datdba), ',' order by datname) from pg_database where not datistemplate`),
  }
}

describe.skipIf(!found.found)('backup and restore on a real PostgreSQL', () => {
  test('a round trip gets every row back and removes what was created since; without --yes nothing changes; --json and --file', async () => {
    if (!found.found) return
    const s = await pgStack(found.bin, { config: TWO_DB_CONFIG })
    await seed(s)
    const before = await snapshot(s)
    expect(before.items).toContain('ünïcødé \u2028 😀')

    const made = await s.run(['backup'])
    expect(made.code, made.stderr).toBe(0)
    const [archive] = backups(s.dir)
    expect(archive).toMatch(/^demo-\d{8}T\d{6}Z\.tar$/)
    const file = join(s.dir, 'backups', archive!)
    expect(mode(file)).toBe('600')
    expect(stable(made.stderr)).toBe('Backing up demo (PostgreSQL <version>): 4 databases and the roles…\n')
    expect(stable(made.stdout)).toBe(
      [
        '✔ Backed up demo to backups/demo-<time>.tar (<size>)',
        '  analytics  <size>',
        '  app        <size>',
        '  keycloak   <size>',
        '  postgres   <size>',
        '  Restore it with: sparkbaas restore --file backups/demo-<time>.tar --yes',
        '',
      ].join('\n'),
    )
    expect(await entries(file)).toEqual(['manifest.json', 'roles.sql', 'databases/analytics.dump', 'databases/app.dump', 'databases/keycloak.dump', 'databases/postgres.dump'])
    // No temp file or staging folder is left beside the archive.
    expect(backups(s.dir)).toEqual([archive])

    // Damage: rows deleted and changed, a table dropped, tables added, a row added to a new table in `postgres`.
    await s.sql('app', 'delete from api.items where id > 2', `update api.items set title = 'changed' where id = 1`, 'create table api.stray (x int)', `select nextval('api.items_id_seq')`)
    await s.sql('analytics', 'drop table events', 'create table stray (x int)')
    await s.sql('postgres', 'drop table notes', 'create table stray (x int)')
    const damaged = await snapshot(s).catch(() => undefined)
    expect(damaged).toBeUndefined()

    const calls = s.fake.calls().length
    const refused = await s.run(['restore', '--file', `backups/${archive}`])
    expect(refused.code).toBe(2)
    expect(refused.stdout).toBe('')
    expect(stable(refused.stderr)).toBe(
      [
        '✖ restore replaces 4 databases of stack demo with the backup of <iso>; what they hold now is lost:',
        '  analytics: dropped and recreated from the archive',
        '  app: dropped and recreated from the archive',
        '  keycloak: dropped and recreated from the archive',
        '  postgres: dropped and recreated from the archive',
        'hint: Add --yes to restore: `sparkbaas restore --file backups/demo-<time>.tar --yes`. `sparkbaas backup` first keeps what the stack holds now.',
        '',
      ].join('\n'),
    )
    // Nothing ran, and the damage is still there.
    expect(s.fake.calls().length).toBe(calls)
    expect(await s.sql('app', `select count(*) from api.stray`)).toBe('0')

    const restored = await s.run(['restore', '--file', `backups/${archive}`, '--yes'])
    expect(restored.code, restored.stderr).toBe(0)
    expect(stable(restored.stdout)).toBe(
      [
        '✔ Restored demo from backups/demo-<time>.tar (backup of <iso>, PostgreSQL <version>)',
        '  databases: analytics, app, keycloak, postgres',
        '  stopped and started again: keycloak, postgrest, traefik',
        '',
      ].join('\n'),
    )
    expect(restored.stderr).toBe(
      [
        'Stopping keycloak, postgrest, traefik (they hold connections)…',
        'Restoring database analytics…',
        'Restoring database app…',
        'Restoring database keycloak…',
        'Restoring database postgres…',
        'Starting keycloak, postgrest, traefik again…',
        '',
      ].join('\n'),
    )
    expect(await snapshot(s)).toEqual(before)
    for (const [db, table] of [['app', 'api.stray'], ['analytics', 'public.stray'], ['postgres', 'public.stray']] as const) {
      expect(await s.sql(db, `select to_regclass('${table}') is null`), `${db} ${table}`).toBe('t')
    }

    // The services were stopped before the first drop and started after the last restore.
    const compose = s.fake.calls().slice(calls).map((call) => call.slice(s.compose.length))
    const stop = compose.findIndex((c) => c[0] === 'stop')
    const start = compose.findIndex((c) => c[0] === 'start')
    const drops = compose.flatMap((c, i) => (c.includes('dropdb') ? [i] : []))
    expect(compose[stop]).toEqual(['stop', 'keycloak', 'postgrest', 'traefik'])
    expect(compose[start]).toEqual(['start', 'keycloak', 'postgrest', 'traefik'])
    expect(drops).toHaveLength(4)
    expect(stop).toBeLessThan(drops[0]!)
    expect(start).toBeGreaterThan(drops.at(-1)!)
    expect(s.fake.calls()[calls]).toEqual(VERSION_CALL)

    // --json, --file (where asked, never over an existing file), short flags.
    const madeJson = await s.run(['backup', '--file', 'my.tar', '--json'])
    expect(madeJson.code, madeJson.stderr).toBe(0)
    expect(madeJson.stderr).toBe('')
    const json = JSON.parse(madeJson.stdout)
    expect(json).toMatchObject({ ok: true, project: 'demo', file: '<tmp>/my.tar', postgres: { major: found.bin.major } })
    expect(json.databases.map((d: { name: string }) => d.name)).toEqual(['analytics', 'app', 'keycloak', 'postgres'])
    expect(json.databases[0]).toEqual({ name: 'analytics', bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
    expect(backups(s.dir)).toEqual([archive])

    const again = await s.run(['backup', '--file', 'my.tar'])
    expect(again.code).toBe(1)
    expect(again.stderr).toBe(
      [
        '✖ my.tar already exists; a backup never replaces a file.',
        'hint: Pick another --file, or move that one away first.',
        '',
      ].join('\n'),
    )

    const restoredJson = await s.run(['restore', '-f', 'my.tar', '-y', '--json'])
    expect(restoredJson.code, restoredJson.stderr).toBe(0)
    expect(restoredJson.stderr).toBe('')
    expect(JSON.parse(restoredJson.stdout)).toEqual({
      ok: true,
      project: 'demo',
      file: '<tmp>/my.tar',
      createdAt: json.createdAt,
      postgres: { archive: json.postgres.version, server: json.postgres.version },
      databases: ['analytics', 'app', 'keycloak', 'postgres'],
      rolesCreated: [],
      untouched: [],
      services: ['keycloak', 'postgrest', 'traefik'],
      warnings: [],
    })
  }, 180_000)
})
