/**
 * The top-level handler's other half: an error that is not a SparkbaasError is our bug, so it is printed with its
 * stack and a pointer to the issue tracker. (No user action can trigger one through the CLI, so this runs in-process.)
 */
import { afterEach, beforeEach, expect, test, vi } from 'vitest'
import { reportError } from '../../src/cli/report.js'
import { SparkbaasError } from '../../src/errors.js'

let stdout: string
let stderr: string
beforeEach(() => {
  stdout = ''
  stderr = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true))
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true))
  vi.stubEnv('NO_COLOR', '1')
})
afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllEnvs()
})

function bug(): Error {
  const error = new TypeError("Cannot read properties of undefined (reading 'x')")
  error.stack = `TypeError: Cannot read properties of undefined (reading 'x')\n    at render (/pkg/dist/render/compose.js:10:5)`
  return error
}

test('an unexpected error: exit 1, its stack, and where to report it', () => {
  expect(reportError(bug(), { json: false })).toBe(1)
  expect(stdout).toBe('')
  expect(stderr).toMatch(/^✖ Internal error in sparkbaas \d+\.\d+\.\d+\S*: Cannot read properties of undefined \(reading 'x'\)\n/)
  expect(stderr).toContain('    at render (/pkg/dist/render/compose.js:10:5)\n')
  expect(stderr).toMatch(/\nThis is a bug in sparkbaas, not in your config\. Please report it with the output above at \S.*\n$/)
})

test('--json: stdout stays parseable, the stack still goes to stderr', () => {
  expect(reportError(bug(), { json: true })).toBe(1)
  expect(JSON.parse(stdout)).toEqual({
    ok: false,
    problems: [{ path: '', message: "Cannot read properties of undefined (reading 'x')", code: 'internal_error' }],
  })
  expect(stderr).toContain('    at render (')
})

test('a thrown non-Error is reported as a bug too', () => {
  expect(reportError('just a string', { json: false })).toBe(1)
  expect(stderr).toMatch(/^✖ Internal error in sparkbaas \S+: just a string\n/)
})

test('a SparkbaasError: message, problems, hint, its own exit code, no stack', () => {
  const error = new SparkbaasError('config_invalid', 'The config is not valid (2 problems):', {
    problems: [
      { path: 'routes[0].to', message: 'unknown function "nope"', code: 'unknown_function' },
      { path: '', message: 'something about the whole file', code: 'x' },
    ],
    hint: 'Fix them and run again.',
  })
  expect(reportError(error, { json: false })).toBe(1)
  expect(stderr).toBe(
    '✖ The config is not valid (2 problems):\n  routes[0].to: unknown function "nope"\n  something about the whole file\nhint: Fix them and run again.\n',
  )
  expect(reportError(new SparkbaasError('usage', 'Bad flag.'), { json: false })).toBe(2)
})
