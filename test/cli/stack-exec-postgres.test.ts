import { describe, expect, test } from 'vitest'
import { findPostgres, pgStack } from '../helpers/pg-stack.js'
const found = findPostgres()
describe.skipIf(!found.found)('pg stack', () => {
  test('exec forwards', async () => {
    if (!found.found) return
    const s = await pgStack(found.bin)
    await s.sql('postgres', 'create table t(x int)', 'insert into t values (1)')
    const r = await s.run(['exec', 'postgres', '--', 'psql', '-U', 'postgres', '-d', 'postgres', '-Atc', 'select count(*) from t'])
    expect(r.stdout).toBe('1\n')
    const bad = await s.run(['exec', 'postgres', '--', 'rm', '-rf', '/'])
    expect(bad.code).toBe(126)
  }, 60000)
})
