/**
 * Roles a migration created live in the cluster, not in a database's dump: restored onto a fresh cluster (a major
 * upgrade, a new machine) they come back with their password, memberships and settings, while the roles the stack
 * already has keep the passwords of its own `.env`.
 */
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { findPostgres, pgStack, type PgStack } from '../helpers/pg-stack.js'
import { backups, stable } from './helpers.js'

const found = findPostgres()

/** Logs in over TCP with a password (the socket trusts everyone, so it would prove nothing). */
async function login(s: PgStack, role: string, password: string, database = 'app'): Promise<string> {
  const result = await s.pg.psql(['-X', '-qAt', '-h', '127.0.0.1', '-U', role, '-d', database, '-c', 'select current_user'], { env: { PGPASSWORD: password } })
  return result.exitCode === 0 ? result.stdout.trim() : `failed: ${result.stderr.trim()}`
}

describe.skipIf(!found.found)('roles in a backup', () => {
  test('roles created after init survive a round trip onto a fresh cluster; existing roles keep their own password', async () => {
    if (!found.found) return
    const first = await pgStack(found.bin)
    await first.sql(
      'app',
      `create role reporting login password 'r3port''s pw'`,
      `create role "Editors ""x""" nologin`,
      `grant "Editors ""x""" to authenticator`,
      `grant "Editors ""x""" to reporting`,
      `alter role authenticator set statement_timeout = '5s'`,
      `comment on role reporting is 'read-only
access'`,
      'create table api.docs (id int primary key, body text)',
      `insert into api.docs values (1, 'one')`,
      `alter table api.docs owner to "Editors ""x"""`,
      'grant connect on database app to reporting',
      'grant usage on schema api to reporting',
      'grant select on api.docs to reporting',
    )
    expect(await login(first, 'reporting', "r3port's pw")).toBe('reporting')
    const made = await first.run(['backup'])
    expect(made.code, made.stderr).toBe(0)
    const archive = backups(first.dir)[0]!

    // A second stack of the same project on a brand-new cluster, with its own .env secrets.
    const second = await pgStack(found.bin)
    const ownPassword = second.envValue('PGRST_AUTHENTICATOR_PASSWORD')
    expect(ownPassword).not.toBe(first.envValue('PGRST_AUTHENTICATOR_PASSWORD'))
    expect(await second.sql('postgres', `select count(*) from pg_roles where rolname in ('reporting', 'Editors "x"')`)).toBe('0')
    copyFileSync(join(first.dir, 'backups', archive), join(second.dir, 'moved.tar'))

    const restored = await second.run(['restore', '--file', 'moved.tar', '--yes'])
    expect(restored.code, restored.stderr).toBe(0)
    expect(stable(restored.stdout)).toBe(
      [
        '✔ Restored demo from moved.tar (backup of <iso>, PostgreSQL <version>)',
        '  databases: app, keycloak, postgres',
        '  roles created: Editors "x", reporting',
        '  stopped and started again: keycloak, postgrest, traefik',
        '',
      ].join('\n'),
    )

    // The new role logs in with its old password, sees its table, keeps its membership and comment.
    expect(await login(second, 'reporting', "r3port's pw")).toBe('reporting')
    const reporting = await second.pg.psql(['-X', '-qAt', '-h', '127.0.0.1', '-U', 'reporting', '-d', 'app', '-c', 'select body from api.docs'], {
      env: { PGPASSWORD: "r3port's pw" },
    })
    expect(reporting.stdout.trim()).toBe('one')
    expect(await second.sql('app', `select pg_get_userbyid(relowner) from pg_class where oid = 'api.docs'::regclass`)).toBe('Editors "x"')
    expect(await second.sql('app', `select pg_has_role('authenticator', 'Editors "x"', 'member')::text || pg_has_role('reporting', 'Editors "x"', 'member')::text`)).toBe('truetrue')
    expect(await second.sql('postgres', `select shobj_description('reporting'::regrole, 'pg_authid')`)).toBe('read-only\naccess')
    // A setting a migration put on an existing role is applied too…
    expect(await second.sql('postgres', `select array_to_string(rolconfig, ',') from pg_roles where rolname = 'authenticator'`)).toBe('statement_timeout=5s')
    // …but its password stays the one in this stack's .env: the backup's would lock PostgREST out.
    expect(await login(second, 'authenticator', ownPassword)).toBe('authenticator')
    expect(await login(second, 'authenticator', first.envValue('PGRST_AUTHENTICATOR_PASSWORD'))).toMatch(/^failed: .*password authentication failed/)
    // The init SQL's memberships are as they were.
    expect(await second.sql('postgres', `select pg_has_role('authenticator', 'anon', 'member')::text`)).toBe('true')

    // Restoring again onto the same cluster: every role exists now, none is created.
    const again = await second.run(['restore', '--file', 'moved.tar', '--yes'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).not.toContain('roles created')
    expect(await login(second, 'reporting', "r3port's pw")).toBe('reporting')
  }, 180_000)
})
