/**
 * `sparkbaas function logs <name>`: `compose logs functions`, narrowed to the lines of one function (the runtime
 * labels them `[<name>] `; its request lines name the function as the first path segment).
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ROOT } from '../helpers/cli.js'
import { VERSION_CALL } from '../helpers/stack.js'
import { project } from './_project.js'

/** The functions service's log as compose prints it (container prefix first). */
const LOG = [
  'functions-1  | functions runtime listening on 0.0.0.0:8000 with 4 function(s): echo, hello, internal, secret',
  'functions-1  | [hello] first',
  'functions-1  | GET /hello 200 3.1ms',
  'functions-1  | [helloworld] a function whose name only starts with hello',
  'functions-1  | [echo] from echo, mentioning [hello] ',
  'functions-1  | GET /echo/hello 200 1.0ms',
  'functions-1  | GET /hellothere 404 0.4ms',
  'functions-1  | [hello] second',
  'functions-1  | [hello]     at handler (file:///app/hello.mjs:3:9)',
  'functions-1  | POST /hello/sub/path 500 2.0ms',
  'functions-1  | [hello] third',
].join('\n')

const HELLO = ['[hello] first', 'GET /hello 200 3.1ms', '[hello] second', '[hello]     at handler (file:///app/hello.mjs:3:9)', 'POST /hello/sub/path 500 2.0ms', '[hello] third']

describe('sparkbaas function logs', () => {
  test("prints only the function's lines, without compose's prefix; --tail counts the function's lines", async () => {
    const p = await project()
    const all = await p.run(['function', 'logs', 'hello'], { FAKE_DOCKER_LOGS: LOG })
    expect(all.code).toBe(0)
    expect(all.stderr).toBe('')
    expect(all.stdout).toBe(`${HELLO.join('\n')}\n`)
    const tail = await p.run(['function', 'logs', 'hello', '--tail', '2'], { FAKE_DOCKER_LOGS: LOG })
    expect(tail.stdout).toBe('POST /hello/sub/path 500 2.0ms\n[hello] third\n')
    const echo = await p.run(['function', 'logs', 'echo'], { FAKE_DOCKER_LOGS: LOG })
    expect(echo.stdout).toBe('[echo] from echo, mentioning [hello] \nGET /echo/hello 200 1.0ms\n')
    // The whole service log each time: compose's --tail would count every function's lines.
    expect(p.fake.calls()).toEqual([VERSION_CALL, [...p.compose, 'logs', 'functions'], VERSION_CALL, [...p.compose, 'logs', 'functions'], VERSION_CALL, [...p.compose, 'logs', 'functions']])
  })

  test('-f --tail N starts following at the function’s N-th last line', async () => {
    const p = await project()
    const follow = await p.run(['function', 'logs', 'hello', '-f', '--tail', '2'], { FAKE_DOCKER_LOGS: LOG })
    expect(follow.code).toBe(0)
    expect(follow.stdout).toBe('POST /hello/sub/path 500 2.0ms\n[hello] third\n')
    // The second-last hello line is the 10th of 11: follow from 2 lines before the end.
    expect(p.fake.calls().slice(1)).toEqual([[...p.compose, 'logs', 'functions'], [...p.compose, 'logs', '--follow', '--tail', '2', 'functions']])
    const more = await p.run(['function', 'logs', 'hello', '-f', '--tail', '50'], { FAKE_DOCKER_LOGS: LOG })
    expect(more.stdout).toBe(`${HELLO.join('\n')}\n`)
    expect(p.fake.calls().at(-1)).toEqual([...p.compose, 'logs', '--follow', 'functions'])
    const none = await p.run(['function', 'logs', 'hello', '-f', '--tail', '0'], { FAKE_DOCKER_LOGS: LOG })
    expect(none.stdout).toBe('')
    expect(p.fake.calls().at(-1)).toEqual([...p.compose, 'logs', '--follow', '--tail', '0', 'functions'])
  })

  test('-f prints lines while compose is still following, and Ctrl-C ends it', async () => {
    const p = await project()
    const child = spawn(process.execPath, [join(ROOT, 'bin/sparkbaas.mjs'), 'function', 'logs', 'hello', '-f'], {
      cwd: p.dir,
      env: { ...process.env, NO_COLOR: '1', SPARKBAAS_COMPOSE: '', ...p.fake.env({ FAKE_DOCKER_LOGS: LOG, FAKE_DOCKER_LOGS_HOLD: '1' }) },
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    const deadline = Date.now() + 10_000
    while (!out.includes('[hello] third\n')) {
      if (Date.now() > deadline) throw new Error(`no output while following: ${out}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    expect(child.exitCode).toBe(null)
    expect(out).toBe(`${HELLO.join('\n')}\n`)
    child.kill('SIGINT')
    // Ctrl-C is passed on to compose, which ends (130); that is how following stops, not a failure.
    expect(await exited).toBe(130)
    expect(p.fake.calls().at(-1)).toEqual(['signal', 'SIGINT'])
  })

  test('--json: the lines as one value', async () => {
    const p = await project()
    const result = await p.run(['function', 'logs', 'hello', '--tail', '1', '--json'], { FAKE_DOCKER_LOGS: LOG })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, project: 'demo', function: 'hello', lines: ['[hello] third'] })
  })

  test('usage mistakes: an unknown function (with the nearest name), --json with -f, a bad --tail', async () => {
    const p = await project()
    const typo = await p.run(['function', 'logs', 'helo'])
    expect(typo.code).toBe(2)
    expect(typo.stderr).toBe('✖ Unknown function "helo": stack demo has no such function — did you mean "hello"?\nhint: Its functions are: hello, echo, secret, internal.\n')
    const unknown = await p.run(['function', 'logs', 'zzz', '--json'])
    expect(unknown.code).toBe(2)
    expect(JSON.parse(unknown.stdout)).toEqual({ ok: false, problems: [{ path: '', code: 'usage', message: 'Unknown function "zzz": stack demo has no such function.' }] })
    const both = await p.run(['function', 'logs', 'hello', '-f', '--json'])
    expect(both.code).toBe(2)
    expect(JSON.parse(both.stdout)).toEqual({ ok: false, problems: [{ path: '', code: 'usage', message: '--follow and --json cannot be used together.' }] })
    const tail = await p.run(['function', 'logs', 'hello', '--tail', 'many'])
    expect(tail.code).toBe(2)
    expect(tail.stderr).toBe('✖ --tail needs a whole number, not "many".\nhint: For example: `sparkbaas function logs hello --tail 100`.\n')
    const missing = await p.run(['function', 'logs'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toBe('✖ Missing required positional argument: NAME\n')
    // No compose call for any of them.
    expect(p.fake.calls()).toEqual([])
  })

  test('a stack not generated yet, and compose failing', async () => {
    const fresh = await project({ generate: false })
    const notGenerated = await fresh.run(['function', 'logs', 'hello'])
    expect(notGenerated.code).toBe(1)
    expect(notGenerated.stderr).toBe('✖ generated/docker-compose.yml does not exist: the stack has not been generated there.\nhint: Run `sparkbaas up` (it generates first) or `sparkbaas generate`.\n')
    const p = await project()
    const broken = await p.run(['function', 'logs', 'hello'], { FAKE_DOCKER_SCENARIO: 'broken' })
    expect(broken.code).toBe(1)
    expect(broken.stderr).toBe(
      [
        'validating <tmp>/generated/docker-compose.yml: services.web.image must be a string',
        '✖ `docker compose -p demo -f <tmp>/generated/docker-compose.yml --env-file <tmp>/generated/.env logs functions` failed with exit code 15.',
        '',
      ].join('\n'),
    )
  })
})
