/** Copies of hand-edited files (src/write/hand-edits.ts); the warnings around them: test/generate/hand-edits.test.ts. */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { HAND_EDITS_DIR, keepHandEdits } from '../../src/write/hand-edits.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

test('the latest edit of each file is kept, 0600 in a 0700 folder, even where an older copy is in the way', async () => {
  const out = mkdtempSync(join(tmpdir(), 'sparkbaas-hand-'))
  dirs.push(out)
  await keepHandEdits(out, [{ path: 'a', bytes: Buffer.from('first') }])
  await keepHandEdits(out, [{ path: 'a', bytes: Buffer.from('second') }])
  expect(readFileSync(join(out, HAND_EDITS_DIR, 'a'), 'utf8')).toBe('second')
  // `a` was a file once; now a file below a folder `a` was edited (another config): the old copy makes way.
  await keepHandEdits(out, [{ path: 'a/b.yml', bytes: Buffer.from('third') }])
  expect(readFileSync(join(out, HAND_EDITS_DIR, 'a/b.yml'), 'utf8')).toBe('third')
  expect(statSync(join(out, HAND_EDITS_DIR, 'a/b.yml')).mode & 0o777).toBe(0o600)
  expect(statSync(join(out, '.sparkbaas')).mode & 0o777).toBe(0o700)
  expect(statSync(join(out, HAND_EDITS_DIR, 'a')).mode & 0o077).toBe(0)
  // And back: a folder of copies where a file now goes.
  await keepHandEdits(out, [{ path: 'a', bytes: Buffer.from('fourth') }])
  expect(readFileSync(join(out, HAND_EDITS_DIR, 'a'), 'utf8')).toBe('fourth')
})
