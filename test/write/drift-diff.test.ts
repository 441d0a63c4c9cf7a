/**
 * The `--check` diff on its own (src/write/drift-diff.ts): its bounds, the unified format's corner cases, and which
 * `.env` values count as secrets. The command around it: test/generate/hand-edits.test.ts.
 */
import { describe, expect, test } from 'vitest'
import type { EnvVar } from '../../src/model/types.js'
import { envSecrets, MAX_FILE_LINES, MAX_TOTAL_LINES, unifiedDrift } from '../../src/write/drift-diff.js'

const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} ${i}\n`).join('')

describe('unifiedDrift', () => {
  test('a file without a final newline says so, as diff and git do', () => {
    expect(unifiedDrift([{ path: 'a.txt', kind: 'missing', expected: 'one\ntwo' }], 'out/')).toBe(
      ['--- /dev/null', '+++ out/a.txt\t(generated)', '@@ -0,0 +1,2 @@', '+one', '+two', '\\ No newline at end of file', ''].join('\n'),
    )
    expect(unifiedDrift([{ path: 'a.txt', kind: 'modified', actual: 'one\ntwo\n', expected: 'one\ntwo' }], 'out/')).toBe(
      ['--- out/a.txt\t(on disk)', '+++ out/a.txt\t(generated)', '@@ -1,2 +1,2 @@', ' one', '-two', '+two', '\\ No newline at end of file', ''].join('\n'),
    )
  })

  test('an emptied file: the whole file removed, with the empty side counted from 0', () => {
    expect(unifiedDrift([{ path: 'a.txt', kind: 'modified', actual: 'x\ny\n', expected: '' }], 'out/')).toBe(
      ['--- out/a.txt\t(on disk)', '+++ out/a.txt\t(generated)', '@@ -1,2 +0,0 @@', '-x', '-y', ''].join('\n'),
    )
  })

  test('two versions too different to diff cheaply are named with their sizes, not diffed', () => {
    const text = unifiedDrift([{ path: 'big.yml', kind: 'modified', actual: lines(1500, 'old'), expected: lines(1500, 'new') }], 'out/')
    expect(text).toBe(['--- out/big.yml\t(on disk)', '+++ out/big.yml\t(generated)', '(too different to show line by line: 1500 lines on disk, 1500 generated)', ''].join('\n'))
  })

  test('the whole output is bounded: past the total, the other files are only named', () => {
    const files = Array.from({ length: 12 }, (_, i) => ({ path: `f${String(i).padStart(2, '0')}.txt`, kind: 'missing' as const, expected: lines(200, 'x') }))
    const text = unifiedDrift(files, 'out/')
    const body = text.split('\n').filter((line) => /^[-+ ]/.test(line) && !/^(---|\+\+\+) /.test(line))
    expect(body.length).toBe(MAX_TOTAL_LINES)
    const shownFiles = Math.ceil(MAX_TOTAL_LINES / MAX_FILE_LINES)
    const rest = files.slice(shownFiles).map((f) => f.path)
    expect(text.trimEnd().split('\n').at(-1)).toBe(`… the diffs of ${rest.length} more files are not shown: ${rest.join(', ')}.`)
  })

  test('secrets are replaced wherever they appear, the longest first', () => {
    const text = unifiedDrift([{ path: 'a.yml', kind: 'extra', actual: 'pw: s3cr3t-value\nkey: s3cr3t-value-long\n' }], 'out/', [
      { key: 'SHORT', value: 's3cr3t-value' },
      { key: 'LONG', value: 's3cr3t-value-long' },
    ])
    expect(text).toContain('-pw: [.env SHORT]\n-key: [.env LONG]\n')
  })
})

describe('envSecrets', () => {
  const vars: EnvVar[] = [
    { key: 'DB_PASSWORD', comment: '', generate: { kind: 'password' } },
    { key: 'ADMIN_USER', comment: '', generate: { kind: 'setting', value: 'administrator' } },
  ]
  test('every value but the settings and values too short to be secrets; a .env compose cannot read is read line by line', () => {
    const env = 'DB_PASSWORD=abcdefghij\nADMIN_USER=administrator\nMY_TOKEN="tok-123456"\nFLAG=1\n'
    expect(envSecrets(env, vars)).toEqual([
      { key: 'DB_PASSWORD', value: 'abcdefghij' },
      { key: 'MY_TOKEN', value: 'tok-123456' },
    ])
    expect(envSecrets(`${env}BROKEN="unterminated\n`, vars).map((s) => s.key)).toEqual(['DB_PASSWORD', 'MY_TOKEN', 'BROKEN'])
    expect(envSecrets(undefined, vars)).toEqual([])
  })
})
