/** Migration files: the name rule, versions, `new` (same second, never overwriting), listing, checksums. */
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { SparkbaasError } from '../../src/errors.js'
import { decodeUtf8 } from '../../src/migrate/checksum.js'
import { sha256 as checksum } from '../../src/hash.js'
import { checkMigrationName, listMigrations, migrationHeader, newMigration, nextVersion, versionOf } from '../../src/migrate/files.js'
import { tempDir } from '../helpers/cli.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
async function migrationsDir(): Promise<string> {
  const dir = await tempDir()
  dirs.push(dir)
  return join(dir, 'migrations')
}

const NOW = new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678))

async function caught(run: () => unknown): Promise<SparkbaasError> {
  try {
    await run()
  } catch (error) {
    if (error instanceof SparkbaasError) return error
    throw error
  }
  throw new Error('expected a SparkbaasError')
}

describe('versions', () => {
  test('YYYYMMDDHHMMSS in UTC, milliseconds dropped', () => {
    expect(versionOf(NOW)).toBe('20250102030405')
  })

  test('the next version is one second later, across minute, day and year boundaries', () => {
    expect(nextVersion('20250102030405')).toBe('20250102030406')
    expect(nextVersion('20250102030459')).toBe('20250102030500')
    expect(nextVersion('20251231235959')).toBe('20260101000000')
    expect(nextVersion('20240228235959')).toBe('20240229000000')
  })

  test('a hand-written version that is no real time still gets a later one', () => {
    expect(nextVersion('20250000000000')).toBe('20250000000001')
    expect(nextVersion('99991231235959')).toBe('99991231235960')
  })
})

describe('migration names', () => {
  test.each(['create_todos', 'a', '2fa_secrets', 'x'.repeat(100)])('%s is accepted', (name) => {
    expect(() => checkMigrationName(name)).not.toThrow()
  })

  test.each(['Create_todos', 'create-todos', '_private', '', 'add todos', 'é', 'x'.repeat(101), "it's"])('"%s" is refused with the rule and an example', async (name) => {
    const error = await caught(() => checkMigrationName(name))
    expect(error.code).toBe('usage')
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe(`Invalid migration name "${name}": expected lowercase letters, digits and "_", starting with a letter or digit, at most 100 characters.`)
    expect(error.hint).toBe('For example: `sparkbaas migrate new create_todos`.')
  })
})

describe('newMigration', () => {
  test('creates the folder and <version>_<name>.sql with the header', async () => {
    const dir = await migrationsDir()
    const file = await newMigration(dir, 'create_todos', { now: NOW })
    expect(file.path).toBe(join(dir, '20250102030405_create_todos.sql'))
    expect(file.version).toBe('20250102030405')
    expect(readFileSync(file.path, 'utf8')).toBe(migrationHeader('20250102030405', 'create_todos'))
    expect(readFileSync(file.path, 'utf8')).toBe(
      [
        '-- Migration 20250102030405_create_todos, created by `sparkbaas migrate new`.',
        '-- `sparkbaas migrate up` runs it with psql in one transaction, together with its row in',
        '-- sparkbaas.sparkbaas_migrations: do not add BEGIN or COMMIT. Once it is applied, do not edit it: write a new',
        '-- migration instead (`migrate up` refuses to run while an applied migration differs from its file).',
        '',
        '',
      ].join('\n'),
    )
    expect(file.checksum).toBe(createHash('sha256').update(readFileSync(file.path)).digest('hex'))
  })

  test('calls in the same second get consecutive versions, in the order they were made', async () => {
    const dir = await migrationsDir()
    const names = ['one', 'two', 'three']
    for (const name of names) await newMigration(dir, name, { now: NOW })
    expect(readdirSync(dir).sort()).toEqual(['20250102030405_one.sql', '20250102030406_two.sql', '20250102030407_three.sql'])
  })

  test('the same name twice in one second: a second file, the first one untouched', async () => {
    const dir = await migrationsDir()
    const first = await newMigration(dir, 'seed', { now: NOW })
    writeFileSync(first.path, 'insert into t values (1);\n')
    const second = await newMigration(dir, 'seed', { now: NOW })
    expect(second.path).toBe(join(dir, '20250102030406_seed.sql'))
    expect(readFileSync(first.path, 'utf8')).toBe('insert into t values (1);\n')
  })

  test('a migration whose version lies ahead of the clock (a teammate, a skewed clock): the new one sorts after it', async () => {
    const dir = await migrationsDir()
    mkdirSync(dir)
    writeFileSync(join(dir, '20300101000000_future.sql'), 'select 1;\n')
    const file = await newMigration(dir, 'now', { now: NOW })
    expect(file.version).toBe('20300101000001')
  })

  test('an invalid name creates nothing', async () => {
    const dir = await migrationsDir()
    const error = await caught(() => newMigration(dir, 'Bad-Name', { now: NOW }))
    expect(error.message).toBe('Invalid migration name "Bad-Name": expected lowercase letters, digits and "_", starting with a letter or digit, at most 100 characters.')
    expect(() => readdirSync(dir)).toThrow(/ENOENT/)
  })
})

describe('listMigrations', () => {
  test('no folder: no migrations', async () => {
    expect(await listMigrations(await migrationsDir())).toEqual([])
  })

  test('sorted by version; other files, folders and hand-written names handled', async () => {
    const dir = await migrationsDir()
    mkdirSync(join(dir, 'drafts'), { recursive: true })
    writeFileSync(join(dir, 'drafts', 'x.sql'), 'not a migration, in a sub-folder')
    writeFileSync(join(dir, 'README.md'), 'notes')
    writeFileSync(join(dir, '20250103000000_b.sql'), 'select 2;\n')
    writeFileSync(join(dir, '20250101000000_a.sql'), 'select 1;\n')
    writeFileSync(join(dir, `20250102000000_it's "$$" :'x' é ☃.sql`), 'select 3;\n')
    const files = await listMigrations(dir)
    expect(files.map((f) => [f.version, f.name])).toEqual([
      ['20250101000000', 'a'],
      ['20250102000000', `it's "$$" :'x' é ☃`],
      ['20250103000000', 'b'],
    ])
    expect(files[0]).toEqual({
      version: '20250101000000',
      name: 'a',
      path: join(dir, '20250101000000_a.sql'),
      checksum: createHash('sha256').update('select 1;\n').digest('hex'),
      text: 'select 1;\n',
    })
  })

  test('a .sql file not named like a migration, and two files with one version, are refused together', async () => {
    const dir = await migrationsDir()
    mkdirSync(dir)
    writeFileSync(join(dir, 'create_users.sql'), '')
    writeFileSync(join(dir, '2025_short.sql'), '')
    writeFileSync(join(dir, '20250101000000_a.sql'), '')
    writeFileSync(join(dir, '20250101000000_b.sql'), '')
    const error = await caught(() => listMigrations(dir))
    expect(error.code).toBe('migration_invalid')
    expect(error.exitCode).toBe(1)
    expect(error.message).toBe('migrations/ holds files sparkbaas cannot order:')
    const badName = 'not named like a migration: <14-digit UTC version>_<name>.sql, e.g. 20250102030405_create_todos.sql — rename it, or move it out of the folder'
    expect(error.problems).toEqual([
      { path: 'migrations/2025_short.sql', code: 'migration_invalid', message: badName },
      { path: 'migrations/create_users.sql', code: 'migration_invalid', message: badName },
      {
        path: 'migrations/20250101000000_b.sql',
        code: 'migration_invalid',
        message:
          'has the same version as migrations/20250101000000_a.sql; a version names one migration — give one of them a new version (the time it was written, YYYYMMDDHHMMSS)',
      },
    ])
  })

  test('the checksum is of the bytes on disk; the text drops a BOM; invalid UTF-8 has no text', async () => {
    const dir = await migrationsDir()
    mkdirSync(dir)
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('select 1;\r\n')])
    const latin1 = Buffer.from([0x73, 0x65, 0x6c, 0x65, 0x63, 0x74, 0x20, 0x27, 0xe9, 0x27, 0x3b])
    writeFileSync(join(dir, '20250101000000_bom.sql'), bom)
    writeFileSync(join(dir, '20250101000001_latin1.sql'), latin1)
    const [withBom, notUtf8] = await listMigrations(dir)
    expect(withBom!.text).toBe('select 1;\r\n')
    expect(withBom!.checksum).toBe(createHash('sha256').update(bom).digest('hex'))
    expect(notUtf8!.text).toBeUndefined()
    expect(notUtf8!.checksum).toBe(createHash('sha256').update(latin1).digest('hex'))
  })
})

describe('checksum', () => {
  test('sha256 hex of the bytes (known vectors)', () => {
    expect(checksum(new Uint8Array())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(checksum(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  test('any edit changes it: a trailing space, a line ending', () => {
    const base = checksum(Buffer.from('select 1;\n'))
    expect(checksum(Buffer.from('select 1; \n'))).not.toBe(base)
    expect(checksum(Buffer.from('select 1;\r\n'))).not.toBe(base)
  })

  test('decodeUtf8 keeps every character, refuses broken sequences', () => {
    expect(decodeUtf8(Buffer.from("é ☃ 𝄞 \u2028 '$$'"))).toBe("é ☃ 𝄞 \u2028 '$$'")
    expect(decodeUtf8(Buffer.from([0xc3]))).toBeUndefined()
  })
})
