/**
 * A reader that stops early (`sparkbaas status --json | head -1`) closes the pipe: the next write fails with EPIPE.
 * sparkbaas then ends at once and quietly with 141, the status a shell reports for a program SIGPIPE ended, as it does
 * for coreutils, git or docker compose (a Go program that writes to a broken stdout or stderr dies of SIGPIPE:
 * golang/go src/os/pipe_test.go, TestStdPipe; the os/signal package doc, "SIGPIPE"). Node ignores SIGPIPE, so it
 * cannot die of it; without a handler it threw the EPIPE error with a stack trace and exited 1.
 *
 * Each case runs the built CLI as a child process whose stdout (or stderr) reader is gone before it writes: a
 * socket pair from Node's spawn, and a kernel pipe from bash (`… | true`, a reader that exits at once), which is
 * what a user's shell pipeline gives it.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ROOT, STACK_LINE } from '../helpers/cli.js'
import { stackFixture } from '../helpers/stack.js'

const BIN = join(ROOT, 'bin/sparkbaas.mjs')
const BROKEN_PIPE = 141

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  /** What the other stream received. */
  other: string
}

/** Runs the CLI with the reader of `closed` gone before the first write; collects the other stream. */
function withClosedReader(args: string[], cwd: string, env: Record<string, string>, closed: 'stdout' | 'stderr' = 'stdout'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
    child[closed].destroy()
    let other = ''
    child[closed === 'stdout' ? 'stderr' : 'stdout'].on('data', (chunk: Buffer) => (other += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, other }))
  })
}

/**
 * Runs `<cli> args | reader` in bash (a kernel pipe; `true` exits at once, `head -c 100` after reading 100 bytes);
 * the CLI's stderr and exit status.
 */
function inShellPipeline(args: string[], cwd: string, env: Record<string, string>, reader = 'true'): Promise<Run> {
  const script = `"$@" | ${reader} >/dev/null; exit "\${PIPESTATUS[0]}"`
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/bash', ['-c', script, 'bash', process.execPath, BIN, ...args], { cwd, env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] })
    let other = ''
    child.stderr.on('data', (chunk: Buffer) => (other += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, other }))
  })
}

const COMMANDS = ['--version', '--help', 'validate', 'validate --json', 'generate', 'generate --json', 'schema --json --out schema.json', 'status', 'status --json', 'status -o env']

describe('a closed pipe ends sparkbaas quietly with 141', () => {
  test.each(COMMANDS)('sparkbaas %s (stdout closed: Node socket pair, then bash pipe)', async (command) => {
    const args = command.split(' ')
    const s = await stackFixture()
    const env = s.fake.env()
    for (const run of [await withClosedReader(args, s.dir, env), await inShellPipeline(args, s.dir, env)]) {
      expect(run.other).not.toMatch(STACK_LINE)
      expect(run.other).toBe('')
      expect(run).toMatchObject({ code: BROKEN_PIPE, signal: null })
    }
  })

  test('logs --json | head -c 100: the reader leaves while 100 KB are being written', async () => {
    const s = await stackFixture()
    const logs = Array.from({ length: 2000 }, (_, i) => `postgres-1  | line ${i} ${'x'.repeat(40)}`).join('\n')
    // The fakes' PATH holds no `head`: name this machine's.
    const head = execFileSync('/bin/sh', ['-c', 'command -v head'], { encoding: 'utf8' }).trim()
    const run = await inShellPipeline(['logs', '--json'], s.dir, s.fake.env({ FAKE_DOCKER_LOGS: logs }), `${head} -c 100`)
    expect(run).toEqual({ code: BROKEN_PIPE, signal: null, other: '' })
  })

  test('generate finishes its work before the summary it cannot print', async () => {
    const s = await stackFixture({ generate: false })
    const run = await withClosedReader(['generate'], s.dir, s.fake.env())
    expect(run).toEqual({ code: BROKEN_PIPE, signal: null, other: '' })
    expect(existsSync(join(s.out, 'docker-compose.yml'))).toBe(true)
  })

  test('an error message to a closed stderr: no stack trace on stdout, 141', async () => {
    const s = await stackFixture({ generate: false })
    writeFileSync(join(s.dir, 'sparkbaas.config.json'), '{ "project": 1 }\n')
    const run = await withClosedReader(['validate'], s.dir, s.fake.env(), 'stderr')
    expect(run).toEqual({ code: BROKEN_PIPE, signal: null, other: '' })
  })
})
