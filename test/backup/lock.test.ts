/**
 * `migrate up`, `backup` and `restore` take the same lock on the output folder as `generate` (issue 12, item 2):
 * while another sparkbaas run holds it, each refuses after the wait with the same message and changes nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { lockFolder } from '../../src/write/lock.js'
import { findPostgres, pgStack } from '../helpers/pg-stack.js'
import { backups } from './helpers.js'

const found = findPostgres()
if (!found.found) console.warn(`[backup lock] skipped: ${found.reason}`)

describe.skipIf(!found.found)('one sparkbaas run at a time per project', () => {
  test('migrate up, backup and restore wait for the lock, then refuse naming the holder', async () => {
    if (!found.found) return
    const s = await pgStack(found.bin)
    const made = await s.run(['backup'])
    expect(made.code, made.stderr).toBe(0)
    const [archive] = backups(s.dir)
    mkdirSync(join(s.dir, 'migrations'), { recursive: true })
    writeFileSync(join(s.dir, 'migrations', '20250101000000_t.sql'), 'create table api.t (id int);\n')

    // This test process holds the lock, as a `generate` still writing would.
    const lock = await lockFolder(s.out, { command: 'sparkbaas generate' })
    try {
      const wait = { SPARKBAAS_LOCK_TIMEOUT_MS: '150' }
      for (const args of [['migrate', 'up'], ['backup'], ['restore', '--file', join('backups', archive!), '--yes']]) {
        const result = await s.run(args, wait)
        expect(result.code, args.join(' ')).toBe(1)
        expect(result.stderr.replace(/started \S+Z\)/, 'started <time>)').replace(/lock-\d+-[0-9a-f]{8}\.json/, 'lock-<id>.json')).toBe(
          `✖ Another sparkbaas run, process ${process.pid} (\`sparkbaas generate\`, started <time>), is working on <tmp>/generated; waited 150 ms for it. Nothing was changed.\n` +
            `hint: Let it finish and run this again. If process ${process.pid} is not sparkbaas (its pid was reused), delete <tmp>/generated/.sparkbaas/lock-<id>.json.\n`,
        )
      }
      // Nothing happened: the migration is not applied, no second archive.
      expect(await s.sql('app', `select to_regclass('api.t') is null`)).toBe('t')
      expect(backups(s.dir)).toEqual([archive])
    } finally {
      await lock.release()
    }
    // Released, they run.
    const up = await s.run(['migrate', 'up'])
    expect(up.code, up.stderr).toBe(0)
    expect(await s.sql('app', `select to_regclass('api.t') is null`)).toBe('f')
  }, 60_000)
})
