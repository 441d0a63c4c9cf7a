/**
 * Everything the CLI prints goes through here: success lines, JSON for scripts, and the one top-level error handler.
 *
 * Why not consola's logger: it picks its level and reporter from the environment (TEST or NODE_ENV=test drop it to
 * "warn", so success lines vanish; CI switches to a reporter that prefixes tags), and it decides colour once, from
 * stdout alone. A CLI's output is an interface scripts and tests read, so it is written here, plainly.
 */
import { stripVTControlCharacters, styleText } from 'node:util'
import { isSparkbaasError, type Problem } from '../errors.js'
import { pkg } from './package.js'

type Style = Parameters<typeof styleText>[0]

/**
 * Colour only for a terminal: NO_COLOR (any non-empty value, per no-color.org) turns it off, FORCE_COLOR on, and a
 * pipe, a file or TERM=dumb get plain text.
 */
export function useColor(stream: NodeJS.WriteStream): boolean {
  const { NO_COLOR, FORCE_COLOR, TERM } = process.env
  if (NO_COLOR) return false
  if (FORCE_COLOR !== undefined && FORCE_COLOR !== '0' && FORCE_COLOR !== 'false') return true
  return stream.isTTY === true && TERM !== 'dumb'
}

const paint = (stream: NodeJS.WriteStream, style: Style, text: string) => (useColor(stream) ? styleText(style, text) : text)

/** Writes text that may carry colour (citty's usage) with the colour removed when the stream should not get any. */
export function writeStyled(stream: NodeJS.WriteStream, text: string): void {
  stream.write(useColor(stream) ? text : stripVTControlCharacters(text))
}

/** A success line; on stderr where stdout carries the command's result (`sparkbaas token`). */
export function printSuccess(text: string, stream: NodeJS.WriteStream = process.stdout): void {
  stream.write(`${paint(stream, 'green', '✔')} ${text}\n`)
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/**
 * The top-level handler. A `SparkbaasError` is the user's to fix: its message, one line per problem and the hint,
 * never a stack. Anything else is our bug: its stack and where to report it. Returns the process exit code.
 */
export function reportError(error: unknown, options: { json: boolean }): number {
  const known = isSparkbaasError(error)
  if (options.json) {
    const problems: Problem[] = !known
      ? [{ path: '', message: errorMessage(error), code: 'internal_error' }]
      : error.problems.length > 0
        ? [...error.problems]
        : [{ path: '', message: error.message, code: error.code }]
    // One key order for every problem, whoever built it: scripts and diffs read this.
    printJson({ ok: false, problems: problems.map(({ path, message, code }) => ({ path, message, code })) })
  }
  if (known) {
    if (!options.json) process.stderr.write(formatKnownError(error.message, error.problems, error.hint))
    return error.exitCode
  }
  // A bug: the stack goes to stderr even in --json mode, where stdout carries only the JSON.
  const err = process.stderr
  const stack = error instanceof Error && error.stack ? error.stack : errorMessage(error)
  err.write(`${paint(err, 'red', '✖')} Internal error in sparkbaas ${pkg.version}: ${errorMessage(error)}\n${paint(err, 'dim', stack)}\n`)
  err.write(`This is a bug in sparkbaas, not in your config. Please report it with the output above at ${pkg.bugs}\n`)
  return 1
}

function formatKnownError(message: string, problems: readonly Problem[], hint: string | undefined): string {
  const err = process.stderr
  const lines = [`${paint(err, 'red', '✖')} ${message}`]
  for (const problem of problems) {
    lines.push(problem.path === '' ? `  ${problem.message}` : `  ${paint(err, 'cyan', problem.path)}: ${problem.message}`)
  }
  if (hint) lines.push(paint(err, 'dim', `hint: ${hint}`))
  return `${lines.join('\n')}\n`
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
