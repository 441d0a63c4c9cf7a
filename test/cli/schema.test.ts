/** `sparkbaas schema`: writes the JSON Schema, reports "up to date", and with --check fails on a stale file. */
import { readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ROOT, STACK_LINE, sparkbaas, tempDir } from '../helpers/cli.js'

let dir: string
beforeAll(async () => {
  dir = await tempDir()
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

test('writes schema/sparkbaas.schema.json under the working directory by default, then finds it current', async () => {
  const first = await sparkbaas(['schema'], { cwd: dir })
  expect(first).toMatchObject({ code: 0, stdout: '✔ Wrote schema/sparkbaas.schema.json\n', stderr: '' })
  // Byte for byte the committed copy (which test/config/json-schema.test.ts keeps current).
  const written = await readFile(path.join(dir, 'schema/sparkbaas.schema.json'), 'utf8')
  expect(written).toBe(await readFile(path.join(ROOT, 'schema/sparkbaas.schema.json'), 'utf8'))

  const again = await sparkbaas(['schema', '--check'], { cwd: dir })
  expect(again).toMatchObject({ code: 0, stdout: '✔ schema/sparkbaas.schema.json is up to date\n' })
})

test('--check exits 1 on a stale file and leaves it alone', async () => {
  const file = path.join(dir, 'stale.json')
  await writeFile(file, '{}\n')
  const result = await sparkbaas(['schema', '--out', 'stale.json', '--check'], { cwd: dir, tmp: dir })
  expect(result).toMatchObject({
    code: 1,
    stdout: '',
    stderr: '✖ <tmp>/stale.json is out of date.\nhint: Run `sparkbaas schema` to write it.\n',
  })
  expect(result.raw.stderr).not.toMatch(STACK_LINE)
  expect(await readFile(file, 'utf8')).toBe('{}\n')
})

test('--check exits 1 on a missing file', async () => {
  const result = await sparkbaas(['schema', '--out', 'nowhere/x.json', '--check', '--json'], { cwd: dir, tmp: dir })
  expect(result.code).toBe(1)
  expect(JSON.parse(result.stdout)).toEqual({
    ok: false,
    problems: [{ path: '', message: '<tmp>/nowhere/x.json does not exist.', code: 'stale_output' }],
  })
})

test('--json reports the file and what happened', async () => {
  const result = await sparkbaas(['schema', '--out', 'out/s.json', '--json'], { cwd: dir, tmp: dir })
  expect(result.code).toBe(0)
  expect(JSON.parse(result.stdout)).toEqual({ ok: true, file: '<tmp>/out/s.json', status: 'written' })
})
