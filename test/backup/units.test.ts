/** The pure parts of backup and restore: the roles plan, the fit check, the manifest, names and sizes. */
import { describe, expect, test } from 'vitest'
import { checkFit, configDatabases } from '../../src/backup/check.js'
import { dumpFile, parseManifest, type Manifest } from '../../src/backup/manifest.js'
import { dbConninfo } from '../../src/backup/postgres.js'
import { databaseLevel, listedDatabase, requireSameDatabase } from '../../src/backup/inspect.js'
import { membership, planRoles, splitStatements } from '../../src/backup/roles.js'
import { formatBytes } from '../../src/cli/commands/backup.js'
import { configSchema } from '../../src/config/schema.js'
import { isSparkbaasError } from '../../src/errors.js'
import { resolveModel } from '../../src/model/resolve.js'
import { TWO_DB_CONFIG } from './helpers.js'

/** pg_dumpall --roles-only of PostgreSQL 17, trimmed: a \restrict pair, a multi-line comment, a quoted name. */
const DUMPALL = String.raw`--
-- PostgreSQL database cluster dump
--

\restrict AbC123

SET default_transaction_read_only = off;

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;

--
-- Roles
--

CREATE ROLE anon;
ALTER ROLE anon WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;
CREATE ROLE authenticator;
ALTER ROLE authenticator WITH NOSUPERUSER NOINHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD 'SCRAM-SHA-256$4096:abc==$x:y';
CREATE ROLE postgres;
ALTER ROLE postgres WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS;
CREATE ROLE reporting;
ALTER ROLE reporting WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD 'SCRAM-SHA-256$4096:def==$u:v';
COMMENT ON ROLE reporting IS 'it''s
read-only; -- not a comment';
CREATE ROLE "Ed""x
y";
ALTER ROLE "Ed""x
y" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;

--
-- User Configurations
--

--
-- User Config "authenticator"
--

ALTER ROLE authenticator SET statement_timeout TO '5s';

--
-- Role memberships
--

GRANT anon TO authenticator WITH INHERIT TRUE GRANTED BY postgres;
GRANT "Ed""x
y" TO reporting WITH INHERIT TRUE GRANTED BY postgres;

\unrestrict AbC123

--
-- PostgreSQL database cluster dump complete
--
`

describe('roles plan', () => {
  test('statements are split on semicolons outside quotes; comments and backslash commands are dropped', () => {
    expect(splitStatements(`a 'x;--y' "q;""r";\\restrict k\n-- c;\nb -- tail;\n;\n`)).toEqual([`a 'x;--y' "q;""r"`, 'b'])
  })

  const cluster = (roles: string[], memberships: [string, string][] = []) => ({ roles: new Set(roles), memberships: new Set(memberships.map(([r, m]) => membership(r, m))) })

  test('missing roles are created whole; existing ones keep attributes and password; settings apply to all; only new roles are granted', () => {
    const plan = planRoles(DUMPALL, cluster(['postgres', 'anon', 'authenticator', 'keycloak'], [['anon', 'authenticator']]))
    expect(plan.created).toEqual(['reporting', 'Ed"x\ny'])
    expect(plan.kept).toEqual(['anon', 'authenticator', 'postgres'])
    expect(plan.refused).toEqual([])
    expect(plan.sql).toBe(
      [
        'BEGIN;',
        'SET default_transaction_read_only = off;',
        "SET client_encoding = 'UTF8';",
        'SET standard_conforming_strings = on;',
        'CREATE ROLE reporting;',
        "ALTER ROLE reporting WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD 'SCRAM-SHA-256$4096:def==$u:v';",
        "COMMENT ON ROLE reporting IS 'it''s\nread-only; -- not a comment';",
        'CREATE ROLE "Ed""x\ny";',
        'ALTER ROLE "Ed""x\ny" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;',
        "ALTER ROLE authenticator SET statement_timeout TO '5s';",
        'GRANT "Ed""x\ny" TO reporting WITH INHERIT TRUE GRANTED BY postgres;',
        'COMMIT;',
        '',
      ].join('\n'),
    )
  })

  test('on a cluster that has every role and membership, only settings remain', () => {
    const plan = planRoles(DUMPALL, cluster(['postgres', 'anon', 'authenticator', 'reporting', 'Ed"x\ny'], [['anon', 'authenticator'], ['Ed"x\ny', 'reporting']]))
    expect(plan.created).toEqual([])
    expect(plan.refused).toEqual([])
    expect(plan.sql).not.toContain('CREATE ROLE')
    expect(plan.sql).not.toContain('PASSWORD')
    expect(plan.sql).not.toContain('GRANT')
    expect(plan.sql).toContain("ALTER ROLE authenticator SET statement_timeout TO '5s';")
  })

  test('privileged grants, privileged new roles, unsafe settings and other statements are refused, each named', () => {
    const hostile = [
      DUMPALL,
      'GRANT postgres TO anon;',
      'GRANT pg_execute_server_program TO reporting WITH ADMIN OPTION;',
      'GRANT keycloak TO "Ed""x\ny" GRANTED BY postgres;',
      'CREATE ROLE boss;',
      "ALTER ROLE boss WITH SUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION BYPASSRLS PASSWORD 'SCRAM-SHA-256$4096:x==$y:z';",
      'CREATE ROLE maker;',
      'ALTER ROLE maker WITH NOSUPERUSER INHERIT CREATEROLE NOCREATEDB LOGIN REPLICATION NOBYPASSRLS VALID UNTIL \'2030-01-01\';',
      "ALTER ROLE anon SET role TO 'postgres';",
      "ALTER ROLE anon IN DATABASE app SET session_preload_libraries TO 'evil';",
      "ALTER ROLE authenticator SET \"pgrst.db_schemas\" TO 'api';",
      'SET session_authorization = postgres;',
      "COPY (select 1) TO PROGRAM 'id';",
      'ALTER ROLE anon WITH SUPERUSER;',
    ].join('\n')
    const plan = planRoles(hostile, cluster(['postgres', 'anon', 'authenticator', 'keycloak', 'pg_execute_server_program'], [['anon', 'authenticator']]))
    expect(plan.refused.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'roles.sql: GRANT postgres TO anon: gives "anon" the rights of "postgres", a role the stack already has (a restore only grants the roles it creates)',
      'roles.sql: GRANT pg_execute_server_program TO reporting WITH ADMIN OPTION: gives "reporting" the rights of "pg_execute_server_program", a role the stack already has (a restore only grants the roles it creates)',
      'roles.sql: GRANT keycloak TO "Ed""x …: gives "Ed"x\ny" the rights of "keycloak", a role the stack already has (a restore only grants the roles it creates)',
      "roles.sql: ALTER ROLE boss WITH SUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION BYPASSRLS PASSWORD '…': would create role \"boss\" with SUPERUSER, BYPASSRLS (a restore never creates superuser, CREATEROLE, REPLICATION or BYPASSRLS roles)",
      'roles.sql: ALTER ROLE maker WITH NOSUPERUSER INHERIT CREATEROLE NOCREATEDB LOGIN REPLICATION NOBYPASSRLS VALID UNTIL \'2030-01-01\': would create role "maker" with CREATEROLE, REPLICATION (a restore never creates superuser, CREATEROLE, REPLICATION or BYPASSRLS roles)',
      `roles.sql: ALTER ROLE anon SET role TO 'postgres': sets "role", which is not a setting a restore applies (timeouts, search_path, work_mem, … and dotted custom settings such as pgrst.*)`,
      `roles.sql: ALTER ROLE anon IN DATABASE app SET session_preload_libraries TO 'evil': sets "session_preload_libraries", which is not a setting a restore applies (timeouts, search_path, work_mem, … and dotted custom settings such as pgrst.*)`,
      'roles.sql: SET session_authorization = postgres: not a statement `pg_dumpall --roles-only` writes',
      "roles.sql: COPY (select 1) TO PROGRAM 'id': not a statement `pg_dumpall --roles-only` writes",
    ])
    // An existing role's attributes are never applied, so pg_dumpall's own line for postgres (and this one) pass.
    expect(plan.sql).not.toContain('ALTER ROLE anon WITH')
    expect(plan.sql).toContain(`ALTER ROLE authenticator SET "pgrst.db_schemas" TO 'api';`)
  })
})

describe('what a dump says of itself', () => {
  test('the dbname of the pg_restore --list header', () => {
    expect(listedDatabase(';\n; Archive created at 2026-12-04 18:52:08 UTC\n;     dbname: keycloak\n;     TOC Entries: 8\n')).toBe('keycloak')
    expect(listedDatabase(';\n; Selected TOC Entries:\n')).toBeUndefined()
    expect(() => requireSameDatabase('b.tar', 'databases/keycloak.dump', 'keycloak', 'app')).toThrow(
      'b.tar cannot be restored: databases/keycloak.dump is a dump of database "app" (the dbname in its own header), but its manifest.json says it is database "keycloak".',
    )
    expect(() => requireSameDatabase('b.tar', 'databases/x.dump', 'x', undefined)).toThrow('b.tar cannot be restored: databases/x.dump names no database in its header (pg_restore --list shows no dbname).')
    expect(() => requireSameDatabase('b.tar', 'databases/app.dump', 'app', 'app')).not.toThrow()
  })

  /** pg_restore --create --schema-only of PostgreSQL 15, trimmed: the database entries around a table. */
  const SCRIPT = [
    '--', '-- Name: keycloak; Type: DATABASE; Schema: -; Owner: kc', '--', '',
    "CREATE DATABASE keycloak WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc LOCALE = 'C.UTF-8';", '', '',
    'ALTER DATABASE keycloak OWNER TO kc;', '', '\\unrestrict abc', '\\connect keycloak', '\\restrict abc', '', 'SET statement_timeout = 0;',
    "SELECT pg_catalog.set_config('search_path', '', false);", '',
    '--', '-- Name: DATABASE keycloak; Type: COMMENT; Schema: -; Owner: kc', '--', '', "COMMENT ON DATABASE keycloak IS 'hi';", '',
    '--', '-- Name: keycloak; Type: DATABASE PROPERTIES; Schema: -; Owner: kc', '--', '', "ALTER DATABASE keycloak SET statement_timeout TO '5s';", '',
    '--', '-- Name: t; Type: TABLE; Schema: public; Owner: postgres', '--', '', 'CREATE TABLE public.t (', '    x text', ');', '',
    '--', '-- Name: DATABASE keycloak; Type: ACL; Schema: -; Owner: kc', '--', '', 'GRANT CONNECT ON DATABASE keycloak TO anon;', '',
  ].join('\n')

  test('the database-level statements: how to create it, and what to set once it has its name', () => {
    expect(databaseLevel(SCRIPT, 'keycloak', 'b.tar: databases/keycloak.dump')).toEqual({
      createWith: "TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc LOCALE = 'C.UTF-8'",
      statements: ['ALTER DATABASE keycloak OWNER TO kc', "COMMENT ON DATABASE keycloak IS 'hi'", "ALTER DATABASE keycloak SET statement_timeout TO '5s'", 'GRANT CONNECT ON DATABASE keycloak TO anon'],
    })
    // Statements pg_dump does not write on a database, or unsafe settings, are refused: they would run as written.
    const smuggled = SCRIPT.replace("LOCALE = 'C.UTF-8';", "LOCALE = 'C.UTF-8'; DROP DATABASE app;").replace("SET statement_timeout TO '5s'", "SET session_preload_libraries TO 'x'")
    expect(() => databaseLevel(smuggled, 'keycloak', 'b.tar: databases/keycloak.dump')).toThrow(
      `b.tar: databases/keycloak.dump has database-level statements a restore never runs: DROP DATABASE app; ALTER DATABASE keycloak SET session_preload_libraries TO 'x'.`,
    )
    // A CREATE DATABASE whose options are not pg_dump's `KEY = value` pairs is refused: they are run as written.
    expect(() => databaseLevel(SCRIPT.replace("LOCALE = 'C.UTF-8'", "LOCALE = 'C' OWNER = \"x\""), 'keycloak', 'b.tar: databases/keycloak.dump')).toThrow(
      'b.tar: databases/keycloak.dump has no CREATE DATABASE statement of the form pg_dump writes for database "keycloak".',
    )
    expect(() => databaseLevel(SCRIPT, 'app', 'b.tar: databases/app.dump')).toThrow('b.tar: databases/app.dump has no CREATE DATABASE statement of the form pg_dump writes for database "app".')
  })
})

const model = (config: object = TWO_DB_CONFIG) => resolveModel(configSchema.parse(config), { configFile: '/p/sparkbaas.config.json' })

function manifest(over: Partial<Manifest> = {}): Manifest {
  const db = (name: string, inConfig = true) => ({ name, file: `databases/${name}.dump`, bytes: 1, sha256: '0'.repeat(64), inConfig })
  return {
    format: 'sparkbaas-backup',
    formatVersion: 1,
    sparkbaasVersion: '0.1.0',
    project: 'demo',
    createdAt: '2025-01-31T23:59:59.000Z',
    config: { file: 'sparkbaas.config.json', sha256: 'a'.repeat(64) },
    images: { postgres: 'postgres:17-bookworm' },
    postgres: { version: '17.2', major: 17 },
    roles: { file: 'roles.sql', bytes: 1, sha256: '0'.repeat(64) },
    databases: [db('analytics'), db('app'), db('keycloak'), db('postgres')],
    ...over,
  }
}

const fit = (m: Manifest, serverMajor = 17, configSha256 = 'a'.repeat(64)) =>
  checkFit(m, { model: model(), configFile: '/p/sparkbaas.config.json', configSha256, serverMajor, label: 'b.tar' })

function thrown(run: () => unknown): { code: string; message: string; problems: readonly { path: string; message: string }[] } {
  try {
    run()
  } catch (error) {
    if (isSparkbaasError(error)) return { code: error.code, message: error.message, problems: error.problems.map(({ path, message }) => ({ path, message })) }
    throw error
  }
  throw new Error('did not throw')
}

describe('does an archive fit the stack', () => {
  test("the config's databases: postgres, Keycloak's, then postgres.databases", () => {
    expect(configDatabases(model())).toEqual(['postgres', 'keycloak', 'app', 'analytics'])
  })

  test('same project, same major, same config: fits without a warning; `postgres` is the config\'s own (POSTGRES_DB)', () => {
    expect(fit(manifest())).toEqual([])
  })

  test('a database made by hand, or a template, is refused whatever the manifest says of it', () => {
    const m = manifest()
    const extra = ['scratch', 'template1', 'template0'].map((name) => ({ ...m.databases[0]!, name, inConfig: true }))
    expect(thrown(() => fit({ ...m, databases: [...m.databases, ...extra] }))).toEqual({
      code: 'archive_mismatch',
      message: 'b.tar does not fit stack demo; nothing was changed:',
      problems: [
        { path: 'databases', message: `the archive has database "scratch", which is not one of this config's databases (postgres, keycloak, app, analytics)` },
        { path: 'databases', message: 'the archive has database "template1", a template of PostgreSQL itself, which a restore never replaces' },
        { path: 'databases', message: 'the archive has database "template0", a template of PostgreSQL itself, which a restore never replaces' },
      ],
    })
  })

  test('an older major and a changed config are warnings', () => {
    expect(fit(manifest({ postgres: { version: '16.4', major: 16 } }), 17, 'b'.repeat(64))).toEqual([
      'sparkbaas.config.json has changed since the backup (2025-01-31T23:59:59.000Z): the data is restored as it was then, the stack runs the config as it is now.',
      "the archive is from PostgreSQL 16, the stack runs 17: restored with the newer server's pg_restore (a major upgrade).",
    ])
  })

  test('a database of the config the stack does not know is refused; the stack may have more than the archive', () => {
    const m = manifest()
    expect(fit({ ...m, databases: m.databases.filter((d) => d.name !== 'analytics') })).toEqual([])
    expect(thrown(() => fit({ ...m, databases: [...m.databases, { ...m.databases[0]!, name: 'reports' }, { ...m.databases[0]!, name: 'billing' }] }))).toEqual({
      code: 'archive_mismatch',
      message: 'b.tar does not fit stack demo; nothing was changed:',
      problems: [
        { path: 'databases', message: `the archive has database "reports", which is not one of this config's databases (postgres, keycloak, app, analytics)` },
        { path: 'databases', message: `the archive has database "billing", which is not one of this config's databases (postgres, keycloak, app, analytics)` },
      ],
    })
  })

  test('a newer major is refused', () => {
    expect(thrown(() => fit(manifest({ postgres: { version: '18.1', major: 18 } }))).problems).toEqual([
      { path: 'postgres', message: 'the archive was dumped from PostgreSQL 18 (18.1), the stack runs PostgreSQL 17, and an older server cannot restore a newer dump' },
    ])
  })
})

describe('manifest', () => {
  const text = (value: unknown) => JSON.stringify(value)
  test('round-trips; duplicates, unsafe paths and other formats are refused with the reason', () => {
    const m = manifest()
    expect(parseManifest(text(m), 'b.tar')).toEqual(m)
    const cases: [unknown, string][] = [
      [[1], 'b.tar cannot be restored: its manifest.json is not a sparkbaas backup manifest (no "format": "sparkbaas-backup").'],
      [{ ...m, databases: [...m.databases, m.databases[0]] }, 'b.tar cannot be restored: its manifest.json lists database "analytics" (databases/analytics.dump) twice.'],
      [{ ...m, databases: [{ ...m.databases[0], file: '../../etc/passwd' }] }, 'b.tar cannot be restored: its manifest.json is malformed at databases.0.file: expected databases/<name>.dump.'],
      [{ ...m, roles: { ...m.roles, file: 'x.sql' } }, expect.stringMatching(/^b\.tar cannot be restored: its manifest\.json is malformed at roles\.file: /)],
      [{ ...m, project: undefined }, expect.stringMatching(/^b\.tar cannot be restored: its manifest\.json is malformed at project: /)],
    ]
    for (const [value, message] of cases) expect(thrown(() => parseManifest(text(value), 'b.tar')).message).toEqual(message)
  })

  test('dump names: the database name when it is a plain file name, else its position', () => {
    expect(dumpFile('app', 0)).toBe('databases/app.dump')
    expect(dumpFile('My DB', 3)).toBe('databases/database-4.dump')
    expect(dumpFile('../x', 0)).toBe('databases/database-1.dump')
  })

  test('a database name as a connection string: quotes and backslashes escaped', () => {
    expect(dbConninfo('app')).toBe("dbname='app'")
    expect(dbConninfo("a'b\\c = d")).toBe("dbname='a\\'b\\\\c = d'")
  })

  test('sizes', () => {
    expect([0, 1023, 1024, 1536, 5 * 1024 ** 2, 3 * 1024 ** 4].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '5.0 MiB', '3.0 TiB'])
  })
})
