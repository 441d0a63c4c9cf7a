/** runProcess with stdin from a string, in every output mode (psql reads migrations this way). */
import { describe, expect, test } from 'vitest'
import { runProcess } from '../../src/engine/process.js'

const CAT = [process.execPath, '-e', 'process.stdin.pipe(process.stdout)']

describe('runProcess input', () => {
  test('text reaches the child on stdin byte for byte when the output is captured', async () => {
    const text = "select 'it''s', $$ :'x' $$; -- é ☃ \u2028\n"
    const result = await runProcess(CAT, { output: 'capture', input: { text } })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe(text)
  })
})
