/** `sparkbaas function list`: folder, entry, timeout and the routes reaching each function, as text and JSON. */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
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
      unregistered: [],
    })
    expect(result.stdout).not.toContain('Hi')
  })

  test('works before the stack is generated (standard ports), and says when there are no functions', async () => {
    const p = await project({ generate: false })
    const result = await p.run(['function', 'list'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('  hello     functions/hello     index.ts   10000 ms  http://api.localhost/fn/hello\n')
    const empty = await project({ config: { project: 'bare' }, generate: false })
    rmSync(join(empty.dir, 'functions'), { recursive: true })
    const none = await empty.run(['function', 'list'])
    expect(none.code).toBe(0)
    expect(none.stdout).toBe('bare has no functions. Add one with `sparkbaas function new <name>`.\n')
    expect(JSON.parse((await empty.run(['function', 'list', '--json'])).stdout)).toEqual({ ok: true, project: 'bare', functions: [], unregistered: [] })
  })

  test('folders under functions/ with an entry file that the config does not list: "not in config", and the entries to add', async () => {
    const p = await project({ generate: false })
    p.write('functions/draft/index.mjs', 'export default () => ({})\n')
    p.write('functions/zeta/index.ts', 'export default () => ({})\n')
    p.write('functions/My Draft/index.ts', 'export default () => ({})\n')
    p.write('functions/server/index.js', 'export default () => ({})\n')
    // Not function folders: no entry file, hidden, a plain file.
    p.write('functions/lib/util.ts', 'export const x = 1\n')
    p.write('functions/.cache/index.ts', '\n')
    p.write('functions/README.md', '# functions\n')
    const result = await p.run(['function', 'list'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toBe(
      [
        'demo: 4 functions, 4 folders not in config',
        '  NAME        SOURCE                ENTRY      TIMEOUT   ROUTE',
        '  hello       functions/hello       index.ts   10000 ms  http://api.localhost/fn/hello',
        '  echo        functions/echo        index.ts   3000 ms   http://api.localhost/echo',
        '                                                         http://echo.localhost/',
        '  secret      functions/secret      index.ts   10000 ms  http://api.localhost/secret (auth: realm main, roles admin, user)',
        '  internal    functions/internal    index.mjs  10000 ms  not routed',
        '  "My Draft"  "functions/My Draft"  index.ts   -         not in config',
        '  draft       functions/draft       index.mjs  -         not in config',
        '  server      functions/server      index.js   -         not in config',
        '  zeta        functions/zeta        index.ts   -         not in config',
        'Not built or served until the config lists it. To serve them, add to `functions` in sparkbaas.config.json:',
        '  { "name": "draft", "source": "./functions/draft" }',
        '  { "name": "zeta", "source": "./functions/zeta" }',
        '"functions/My Draft" cannot name a function as it is: rename the folder (lowercase letters, digits, "-" and "_", starting with a letter, at most 39 characters, not "server"), then list it in `functions`.',
        'functions/server cannot name a function as it is: rename the folder (lowercase letters, digits, "-" and "_", starting with a letter, at most 39 characters, not "server"), then list it in `functions`.',
        '',
      ].join('\n'),
    )
    expect(JSON.parse((await p.run(['function', 'list', '--json'])).stdout)).toMatchObject({
      unregistered: [
        { name: 'My Draft', source: 'functions/My Draft', entry: 'index.ts' },
        { name: 'draft', source: 'functions/draft', entry: 'index.mjs' },
        { name: 'server', source: 'functions/server', entry: 'index.js' },
        { name: 'zeta', source: 'functions/zeta', entry: 'index.ts' },
      ],
    })
  })

  test('one unlisted folder and no functions at all: the table still shows it, the hint names it', async () => {
    const p = await project({ config: { project: 'bare' }, generate: false })
    const result = await p.run(['function', 'list'])
    // _project.ts writes the four sources whatever the config: all four are unlisted here.
    expect(result.stdout.split('\n')[0]).toBe('bare: 0 functions, 4 folders not in config')
    const one = await project({ config: { project: 'bare', functions: [{ name: 'hello', source: './functions/hello' }, { name: 'echo', source: './functions/echo/' }, { name: 'secret', source: 'functions/secret' }] }, generate: false })
    const single = await one.run(['function', 'list'])
    expect(single.stdout.split('\n').slice(-4)).toEqual([
      '  internal  functions/internal  index.mjs  -         not in config',
      'Not built or served until the config lists it. To serve internal, add to `functions` in sparkbaas.config.json:',
      '  { "name": "internal", "source": "./functions/internal" }',
      '',
    ])
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
