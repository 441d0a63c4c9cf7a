/** Files against records: status classification and what `up` would do, without a database. */
import { describe, expect, test } from 'vitest'
import type { MigrationFile } from '../../src/migrate/files.js'
import { classify, countStates, planUp, type AppliedRecord } from '../../src/migrate/plan.js'
import { fileLines, outcomeOf, preamble } from '../../src/migrate/psql.js'

const file = (version: string, name: string, text = `-- ${name}\n`): MigrationFile => ({ version, name, path: `/p/migrations/${version}_${name}.sql`, checksum: `sum-of-${text}`, text })
const record = (f: MigrationFile, checksum = f.checksum): AppliedRecord => ({ version: f.version, name: f.name, checksum, appliedAt: '2025-01-01T00:00:00Z', appliedBy: 'dev@laptop' })

const a = file('20250101000000', 'a')
const b = file('20250102000000', 'b')
const c = file('20250103000000', 'c')
const d = file('20250104000000', 'd')

describe('classify', () => {
  test('applied, pending, modified and missing, one entry per version, in version order', () => {
    const entries = classify([d, c, a], [record(b), record(a), record(c, 'an older checksum')])
    expect(entries.map((e) => [e.version, e.name, e.state])).toEqual([
      ['20250101000000', 'a', 'applied'],
      ['20250102000000', 'b', 'missing'],
      ['20250103000000', 'c', 'modified'],
      ['20250104000000', 'd', 'pending'],
    ])
    expect(entries[1]!.file).toBeUndefined()
    expect(entries[1]!.record).toEqual(record(b))
    expect(entries[3]!.record).toBeUndefined()
    expect(countStates(entries)).toEqual({ applied: 1, pending: 1, modified: 1, missing: 1 })
  })

  test('the version identifies a migration: a renamed file with the same content is still applied, under its new name', () => {
    const renamed = { ...a, name: 'a_renamed' }
    expect(classify([renamed], [record(a)]).map((e) => [e.name, e.state])).toEqual([['a_renamed', 'applied']])
  })

  test('nothing at all', () => {
    expect(classify([], [])).toEqual([])
  })
})

describe('planUp', () => {
  test('pending in version order; drift lists modified and missing', () => {
    const plan = planUp([a, c, b, d], [record(a), record(c, 'x'), record(file('20241231000000', 'gone'))])
    expect(plan.pending.map((f) => f.version)).toEqual([b.version, d.version])
    expect(plan.drift.map((e) => [e.version, e.state])).toEqual([
      ['20241231000000', 'missing'],
      [c.version, 'modified'],
    ])
    expect(plan.blocked).toEqual([])
  })

  test('a pending file older than the newest applied one is applied all the same, and said so', () => {
    const plan = planUp([a, b, c], [record(a), record(c)])
    expect(plan.pending.map((f) => f.version)).toEqual([b.version])
    expect(plan.outOfOrder).toEqual([b.version])
  })

  test('pending files that would break their transaction, or are not UTF-8, are blocked; applied ones are not looked at', () => {
    const committing = file('20250105000000', 'commits', 'create table x (i int);\ncommit;\n')
    const binary = { ...file('20250106000000', 'latin1'), text: undefined }
    const appliedWithBegin = file('20250101000000', 'old', 'begin;\ncommit;\n')
    const plan = planUp([appliedWithBegin, committing, binary], [record(appliedWithBegin)])
    expect(plan.blocked.map((x) => [x.file.version, x.problems])).toEqual([
      [committing.version, [{ line: 2, message: expect.stringMatching(/^COMMIT: each migration already runs in one transaction/) }]],
      [binary.version, [{ line: 0, message: 'is not valid UTF-8 text; save it as UTF-8' }]],
    ])
  })
})

describe('the statements around a migration', () => {
  test('the preamble locks, re-checks, records through psql variables only, and notifies PostgREST when asked', () => {
    expect(preamble({ notifyPostgrest: true })).toBe(
      [
        'SELECT pg_advisory_xact_lock(7310442153780331);',
        "SELECT EXISTS (SELECT FROM sparkbaas.sparkbaas_migrations WHERE version = :'sparkbaas_version') AS sparkbaas_done \\gset",
        '\\if :sparkbaas_done',
        '\\quit',
        '\\endif',
        "INSERT INTO sparkbaas.sparkbaas_migrations (version, name, checksum, applied_by, run_id) VALUES (:'sparkbaas_version', :'sparkbaas_name', :'sparkbaas_checksum', :'sparkbaas_applied_by', :'sparkbaas_run');",
        "NOTIFY pgrst, 'reload schema';",
        '',
      ].join('\n'),
    )
    expect(preamble({ notifyPostgrest: false })).not.toContain('NOTIFY')
  })

  test('the outcome is what the database recorded, not what psql printed or returned', () => {
    const run = 'run-1'
    // Our row is there: committed. With a psql error on top, it is reported as committed, never as rolled back.
    expect(outcomeOf(0, run, run, ['m'])).toEqual({ outcome: 'applied', messages: ['m'] })
    expect(outcomeOf(3, run, run, ['m'])).toBe('committed_with_error')
    // Another run's row (or an old row without a run id): that run applied it.
    expect(outcomeOf(0, 'run-2', run, [])).toEqual({ outcome: 'skipped' })
    expect(outcomeOf(0, '', run, [])).toEqual({ outcome: 'skipped' })
    // No row: rolled back, whatever psql said.
    expect(outcomeOf(3, null, run, ['e'])).toEqual({ outcome: 'failed', exitCode: 3, messages: ['e'] })
    expect(outcomeOf(0, null, run, [])).toEqual({
      outcome: 'failed',
      exitCode: 0,
      messages: ['psql reported no error, but the database has no tracking row for this migration: its transaction was rolled back'],
    })
    expect(outcomeOf(2, null, run, [])).toBe('psql_failed')
  })

  test("psql's line numbers are turned into the migration file's", () => {
    const stderr = 'psql:<stdin>:9: NOTICE:  hello\npsql:<stdin>:12: ERROR:  relation "nope" does not exist\nLINE 1: select * from nope;\n                      ^\npsql:<stdin>:2: ERROR:  lock\n'
    expect(fileLines(stderr, 8, 'migrations/x.sql')).toEqual([
      'migrations/x.sql:1: NOTICE:  hello',
      'migrations/x.sql:4: ERROR:  relation "nope" does not exist',
      'LINE 1: select * from nope;',
      '                      ^',
      'sparkbaas (before the migration): ERROR:  lock',
    ])
  })
})
