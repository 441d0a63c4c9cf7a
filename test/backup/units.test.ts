/** The pure parts of backup and restore: the roles plan, the fit check, the manifest, names and sizes. */
import { describe, expect, test } from 'vitest'
import { checkFit, configDatabases } from '../../src/backup/check.js'
import { dumpFile, parseManifest, type Manifest } from '../../src/backup/manifest.js'
import { dbConninfo } from '../../src/backup/postgres.js'
import { planRoles, splitStatements } from '../../src/backup/roles.js'
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

  test('missing roles are created whole; existing ones keep attributes and password; settings and grants apply to all', () => {
    const plan = planRoles(DUMPALL, new Set(['postgres', 'anon', 'authenticator', 'keycloak']))
    expect(plan.created).toEqual(['reporting', 'Ed"x\ny'])
    expect(plan.kept).toEqual(['anon', 'authenticator', 'postgres'])
    expect(plan.skipped).toEqual([])
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
        'GRANT anon TO authenticator WITH INHERIT TRUE GRANTED BY postgres;',
        'GRANT "Ed""x\ny" TO reporting WITH INHERIT TRUE GRANTED BY postgres;',
        'COMMIT;',
        '',
      ].join('\n'),
    )
  })

  test('on a cluster that has every role, only settings and grants remain; unknown statements are reported', () => {
    const plan = planRoles(`${DUMPALL}\nDROP ROLE anon;\n`, new Set(['postgres', 'anon', 'authenticator', 'reporting', 'Ed"x\ny']))
    expect(plan.created).toEqual([])
    expect(plan.sql).not.toContain('CREATE ROLE')
    expect(plan.sql).not.toContain('PASSWORD')
    expect(plan.sql).toContain("ALTER ROLE authenticator SET statement_timeout TO '5s';")
    expect(plan.skipped).toEqual(['DROP ROLE anon'])
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
    databases: [db('analytics'), db('app'), db('keycloak'), db('postgres'), db('scratch', false)],
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

  test('same project, same major, same config: fits without a warning; a hand-made database is fine', () => {
    expect(fit(manifest())).toEqual([])
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
      problems: [{ path: 'databases', message: 'the archive has databases "reports", "billing" from its config, which this config does not (it has databases "postgres", "keycloak", "app", "analytics")' }],
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
