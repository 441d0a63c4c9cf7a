/** `sparkbaas function list`: folder, entry, timeout and the routes reaching each function, as text and JSON. */
import { describe, expect, test } from 'vitest'
import { project } from './_project.js'

describe('sparkbaas function list', () => {
  test('one row per function and route, "not routed" for none, URLs with the config\'s port', async () => {
    const p = await project()
    p.setPorts({ http: 8080 })
    const result = await p.run(['function', 'list'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe(
      [
        'demo: 4 functions',
        '  NAME      SOURCE              ENTRY      TIMEOUT   ROUTE',
        '  hello     functions/hello     index.ts   10000 ms  http://api.localhost:8080/fn/hello',
        '  echo      functions/echo      index.ts   3000 ms   http://api.localhost:8080/echo',
        '                                                     http://echo.localhost:8080/',
        '  secret    functions/secret    index.ts   10000 ms  http://api.localhost:8080/secret (auth: realm main, roles admin, user)',
        '  internal  functions/internal  index.mjs  10000 ms  not routed',
        '',
      ].join('\n'),
    )
  })

  test('--json: the same facts, env names without their values', async () => {
    const p = await project()
    const result = await p.run(['function', 'list', '--json'])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      project: 'demo',
      functions: [
        { name: 'hello', source: 'functions/hello', entry: 'index.ts', timeoutMs: 10000, env: ['GREETING', 'MOOD'], routes: [{ url: 'http://api.localhost/fn/hello' }] },
        { name: 'echo', source: 'functions/echo', entry: 'index.ts', timeoutMs: 3000, env: [], routes: [{ url: 'http://api.localhost/echo' }, { url: 'http://echo.localhost/' }] },
        {
          name: 'secret',
          source: 'functions/secret',
          entry: 'index.ts',
          timeoutMs: 10000,
          env: [],
          routes: [{ url: 'http://api.localhost/secret', auth: { realm: 'main', roles: ['admin', 'user'] } }],
        },
        { name: 'internal', source: 'functions/internal', entry: 'index.mjs', timeoutMs: 10000, env: [], routes: [] },
      ],
    })
    expect(result.stdout).not.toContain('Hi')
  })

  test('works before the stack is generated (standard ports), and says when there are no functions', async () => {
    const p = await project({ generate: false })
    const result = await p.run(['function', 'list'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('  hello     functions/hello     index.ts   10000 ms  http://api.localhost/fn/hello\n')
    const empty = await project({ config: { project: 'bare' }, generate: false })
    const none = await empty.run(['function', 'list'])
    expect(none.code).toBe(0)
    expect(none.stdout).toBe('bare has no functions. Add one with `sparkbaas function new <name>`.\n')
    expect(JSON.parse((await empty.run(['function', 'list', '--json'])).stdout)).toEqual({ ok: true, project: 'bare', functions: [] })
  })

  test('`function` alone or with an unknown command is a usage error naming its commands', async () => {
    const p = await project({ generate: false })
    const alone = await p.run(['function'])
    expect(alone.code).toBe(2)
    expect(alone.stderr).toBe('✖ `sparkbaas function` needs a command: new, list, logs, invoke, serve.\nhint: Run `sparkbaas function --help` for more.\n')
    const unknown = await p.run(['function', 'show', 'hello'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toBe('✖ Unknown command "show" for `sparkbaas function`.\nhint: Its commands are: new, list, logs, invoke, serve. Run `sparkbaas function --help` for more.\n')
    const help = await p.run(['function', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('USAGE sparkbaas function new|list|logs|invoke|serve\n')
    const sub = await p.run(['function', 'list', '--help'])
    expect(sub.stdout).toContain('USAGE sparkbaas function list [OPTIONS]')
  })
})
