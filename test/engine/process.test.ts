/** The runner: argument arrays, exit codes (signals as 128 + n), captured output, and failure messages. */
import { expect, test } from 'vitest'
import { commandFailed, formatCommand, lastLines, runProcess } from '../../src/engine/process.js'
import { SparkbaasError } from '../../src/errors.js'

const node = (code: string) => [process.execPath, '-e', code]

test('captures stdout and stderr as they are, and the exit code', async () => {
  const result = await runProcess(node('process.stdout.write("out\\n"); process.stderr.write("err\\n"); process.exit(7)'), { output: 'capture' })
  expect(result).toMatchObject({ exitCode: 7, stdout: 'out\n', stderr: 'err\n', spawnError: undefined, shown: false })
  expect(result.cause).toBeInstanceOf(Error)
})

test('arguments are never read by a shell', async () => {
  const tricky = ['$(touch /tmp/x)', 'a b', "it's", '; rm -rf /', '*']
  const result = await runProcess([...node('process.stdout.write(JSON.stringify(process.argv.slice(1)))'), ...tricky], { output: 'capture' })
  expect(JSON.parse(result.stdout)).toEqual(tricky)
})

test('a child ended by a signal reports 128 + n; a missing program reports its spawn error', async () => {
  expect((await runProcess(node('process.kill(process.pid, "SIGTERM")'), { output: 'capture' })).exitCode).toBe(143)
  const missing = await runProcess(['sparkbaas-no-such-program', 'x'], { output: 'capture' })
  expect(missing).toMatchObject({ exitCode: -1, spawnError: 'ENOENT' })
  expect(commandFailed(missing).message).toBe('`sparkbaas-no-such-program x` could not be started (ENOENT).')
})

test('commandFailed: the command as typed, its exit code, the end of stderr the user has not seen, the cause', async () => {
  const result = await runProcess(node('console.error("line 1\\nline 2"); process.exit(2)'), { output: 'capture' })
  const error = commandFailed(result, { hint: 'look' })
  expect(error).toBeInstanceOf(SparkbaasError)
  expect(error).toMatchObject({ code: 'engine_failed', exitCode: 1, hint: 'look', cause: result.cause })
  expect(error.message).toBe(`\`${formatCommand(result.argv)}\` failed with exit code 2:\n  line 1\n  line 2`)
  expect(commandFailed({ ...result, shown: true }).message).toBe(`\`${formatCommand(result.argv)}\` failed with exit code 2.`)
})

test('formatCommand quotes what a shell would split; lastLines drops blanks', () => {
  expect(formatCommand(['docker', 'compose', '-f', '/a b/c.yml', "it's", 'x=1'])).toBe(`docker compose -f '/a b/c.yml' 'it'\\''s' x=1`)
  expect(lastLines('a\n\nb\r\nc\n', 2)).toEqual(['b', 'c'])
})
