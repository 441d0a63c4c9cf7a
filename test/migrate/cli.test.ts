/**
 * `sparkbaas migrate` through the built CLI where no database is needed: `new`, and every refusal that comes before
 * psql runs (bad names, unknown databases, unordered files, an exposed tracking schema, a stopped stack).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { psLine } from '../helpers/fake-docker.js'
import { STACK_CONFIG, stackFixture, VERSION_CALL } from '../helpers/stack.js'

const PS = ['ps', '--all', '--format', 'json']

describe('migrate new', () => {
  test('writes migrations/<UTC version>_<name>.sql beside the config and prints its path', async () => {
    const s = await stackFixture({ generate: false })
    const before = new Date().toISOString().slice(0, 19).replace(/[-T:]/g, '')
    const result = await s.run(['migrate', 'new', 'create_todos'])
    expect(result.code).toBe(0)
    const [name] = readdirSync(join(s.dir, 'migrations'))
    expect(name).toMatch(/^\d{14}_create_todos\.sql$/)
    expect(name!.slice(0, 14) >= before).toBe(true)
    expect(result.stdout).toBe(`✔ Created migrations/${name}\nWrite its SQL, then run \`sparkbaas migrate up\`.\n`)
    expect(result.stderr).toBe('')
    // No engine is needed to write a file.
    expect(s.fake.calls()).toEqual([])
  })

  test('--json: { ok, version, name, file }; a second call gets a later version even within the same second', async () => {
    const s = await stackFixture({ generate: false })
    const first = JSON.parse((await s.run(['migrate', 'new', 'one', '--json'])).stdout) as { version: string }
    const second = await s.run(['migrate', 'new', 'two', '--json'])
    const parsed = JSON.parse(second.stdout) as { ok: boolean; version: string; name: string; file: string }
    expect(parsed).toEqual({ ok: true, version: parsed.version, name: 'two', file: `<tmp>/migrations/${parsed.version}_two.sql` })
    expect(parsed.version > first.version).toBe(true)
  })

  test('an invalid name: exit 2, the rule and an example, nothing written', async () => {
    const s = await stackFixture({ generate: false })
    const result = await s.run(['migrate', 'new', 'Add-Users'])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      '✖ Invalid migration name "Add-Users": expected lowercase letters, digits and "_", starting with a letter or digit, at most 100 characters.\n' +
        'hint: For example: `sparkbaas migrate new create_todos`.\n',
    )
    expect(() => readdirSync(join(s.dir, 'migrations'))).toThrow(/ENOENT/)
    const json = await s.run(['migrate', 'new', 'Add-Users', '--json'])
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      problems: [{ path: '', code: 'usage', message: 'Invalid migration name "Add-Users": expected lowercase letters, digits and "_", starting with a letter or digit, at most 100 characters.' }],
    })
  })

  test('works while the config does not validate yet: only its folder is needed', async () => {
    const s = await stackFixture({ generate: false, config: { ...STACK_CONFIG, project: 'Not A Project Name' } })
    const result = await s.run(['migrate', 'new', 'early'])
    expect(result.code).toBe(0)
    expect(readdirSync(join(s.dir, 'migrations'))).toEqual([expect.stringMatching(/^\d{14}_early\.sql$/)])
  })
})

describe('migrate up / status refuse before touching the database', () => {
  test('--database must be one the stack knows', async () => {
    const s = await stackFixture()
    for (const command of ['up', 'status']) {
      const result = await s.run(['migrate', command, '--database', 'nope'])
      expect(result.code).toBe(2)
      expect(result.stderr).toBe('✖ Unknown database "nope": stack demo has no such database.\nhint: Its databases are: app, postgres. Pick one with --database NAME (default: app).\n')
    }
    const keycloak = await s.run(['migrate', 'up', '--database', 'keycloak'])
    expect(keycloak.code).toBe(2)
    expect(keycloak.stderr).toBe(
      '✖ Database "keycloak" is Keycloak\'s own: Keycloak creates and migrates its tables, sparkbaas does not.\nhint: Its databases are: app, postgres. Pick one with --database NAME (default: app).\n',
    )
    expect(s.fake.calls()).toEqual([])
  })

  test('files that cannot be ordered', async () => {
    const s = await stackFixture()
    mkdirSync(join(s.dir, 'migrations'))
    writeFileSync(join(s.dir, 'migrations', 'users.sql'), 'create table users ();\n')
    const result = await s.run(['migrate', 'status'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      '✖ migrations/ holds files sparkbaas cannot order:\n' +
        '  migrations/users.sql: not named like a migration: <14-digit UTC version>_<name>.sql, e.g. 20250102030405_create_todos.sql — rename it, or move it out of the folder\n',
    )
    expect(s.fake.calls()).toEqual([])
  })

  test('the stack is not running: exit 1 and the hint to start it', async () => {
    const s = await stackFixture()
    for (const command of ['up', 'status']) {
      const result = await s.run(['migrate', command])
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(
        "✖ sparkbaas migrate needs the stack's Postgres, but the postgres service of demo has no container.\nhint: Start the stack with `sparkbaas up` (or just Postgres: `sparkbaas up postgres`), then run it again.\n",
      )
    }
    expect(s.fake.calls()).toEqual([VERSION_CALL, [...s.compose, ...PS], VERSION_CALL, [...s.compose, ...PS]])
    const json = await s.run(['migrate', 'up', '--json'])
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      problems: [{ path: '', code: 'stack_not_running', message: "sparkbaas migrate needs the stack's Postgres, but the postgres service of demo has no container." }],
    })
  })

  test('postgres exited: named in the message', async () => {
    const s = await stackFixture()
    await s.run(['up'])
    const result = await s.run(['migrate', 'up', '--dry-run'], { FAKE_DOCKER_PS: `${psLine('demo', 'postgres', 'exited', '')}\n${psLine('demo', 'traefik')}\n` })
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      "✖ sparkbaas migrate needs the stack's Postgres, but the postgres service of demo is exited.\nhint: Start the stack with `sparkbaas up` (or just Postgres: `sparkbaas up postgres`), then run it again.\n",
    )
  })

  test('an API that serves the "sparkbaas" schema would expose the migration history: the config is refused', async () => {
    const s = await stackFixture()
    s.writeConfig({ ...STACK_CONFIG, api: { realm: 'main', schemas: ['api', 'sparkbaas'] } })
    const result = await s.run(['migrate', 'up'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      '✖ <tmp>/sparkbaas.config.json is not a valid config (1 problem):\n' +
        '  api.schemas[1]: "sparkbaas" holds sparkbaas\'s migration records, which the API must not serve — choose another name such as "api"\n',
    )
  })
})
