/**
 * `sparkbaas function invoke <name>`: through the function's route (a local HTTP server stands in for Traefik on
 * the config's ports.http and records what it got), or, for a function no route reaches, through `compose exec` into the
 * functions container (the fake docker runs that `node` here, against a real runtime serving the generated
 * functions).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { EXEC_SCRIPT } from '../../src/functions/exec-call.js'
import { freePort, VERSION_CALL } from '../helpers/stack.js'
import { startServer, type RunningServer } from '../runtime/spawn-server.js'
import { CONFIG, project, type Project } from './_project.js'

interface Received {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

/** A stand-in for Traefik on ports.http: records each request and answers with `reply`. */
async function fakeTraefik(p: Project, reply: (req: Received) => { status: number; body: string; headers?: Record<string, string | string[]> }) {
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }
      received.push(entry)
      const answer = reply(entry)
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      res.end(answer.body)
    })
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  closers.push(() => new Promise((resolve) => server.close(() => resolve())))
  p.setPorts({ http: port })
  return { port, received }
}

describe('sparkbaas function invoke, through the route', () => {
  test('GET to Traefik with the route’s Host and path; the body on stdout, the status on stderr', async () => {
    const p = await project()
    const traefik = await fakeTraefik(p, () => ({ status: 200, body: '{"message":"Hi, world!"}' }))
    const result = await p.run(['function', 'invoke', 'hello'])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('{"message":"Hi, world!"}')
    expect(result.stderr).toBe(`✔ 200 OK (http://api.localhost:${traefik.port}/fn/hello)\n`)
    expect(traefik.received).toHaveLength(1)
    const [req] = traefik.received
    expect(req).toMatchObject({ method: 'GET', url: '/fn/hello', body: '' })
    expect(req!.headers.host).toBe('api.localhost')
    expect(req!.headers.authorization).toBeUndefined()
    // No engine is needed for a routed call.
    expect(p.fake.calls()).toEqual([])
  })

  test('--data, --path, --method and --header: POST JSON below the route, headers passed on', async () => {
    const p = await project()
    const traefik = await fakeTraefik(p, () => ({ status: 201, body: 'made' }))
    const data = '{"s":"it\'s $HOME `id` \\"q\\" ü"}'
    const result = await p.run(['function', 'invoke', 'echo', '--data', data, '--path', '/items/1?full=1', '--header', 'X-Extra: a: b', '--header=X-Two:2'])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('made')
    expect(result.stderr).toBe(`✔ 201 Created (http://api.localhost:${traefik.port}/echo/items/1?full=1)\n`)
    const [req] = traefik.received
    expect(req).toMatchObject({ method: 'POST', url: '/echo/items/1?full=1', body: data })
    expect(req!.headers).toMatchObject({ host: 'api.localhost', 'content-type': 'application/json', 'x-extra': 'a: b', 'x-two': '2', 'content-length': String(Buffer.byteLength(data)) })
    await p.run(['function', 'invoke', 'echo', '--method', 'delete', '--path', '?x=1'])
    expect(traefik.received[1]).toMatchObject({ method: 'DELETE', url: '/echo?x=1' })
  })

  test('a route with auth: --token is sent as a bearer token; without one, a refusal says to pass it', async () => {
    const p = await project()
    const traefik = await fakeTraefik(p, (req) =>
      req.headers.authorization === 'Bearer good' ? { status: 200, body: '"ok"' } : { status: 401, body: '{"error":"unauthorized"}' },
    )
    const refused = await p.run(['function', 'invoke', 'secret'])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe('{"error":"unauthorized"}')
    expect(refused.stderr).toBe(
      `✖ Function "secret" answered 401 Unauthorized (through http://api.localhost:${traefik.port}/secret).\n` +
        'hint: Its route needs an access token of realm "main" with the roles admin, user: pass --token <token>.\n',
    )
    const bad = await p.run(['function', 'invoke', 'secret', '--token', 'expired'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe(
      `✖ Function "secret" answered 401 Unauthorized (through http://api.localhost:${traefik.port}/secret).\n` +
        'hint: The route refused the token: it needs an access token of realm "main" with the roles admin, user, unexpired.\n',
    )
    const ok = await p.run(['function', 'invoke', 'secret', '--token', 'good'])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toBe('"ok"')
    expect(traefik.received.map((r) => [r.url, r.headers.host, r.headers.authorization])).toEqual([
      ['/secret', 'api.localhost', undefined],
      ['/secret', 'api.localhost', 'Bearer expired'],
      ['/secret', 'api.localhost', 'Bearer good'],
    ])
  })

  test('--json: status, headers and body; a non-2xx exits 1 with the status in the problem', async () => {
    const p = await project()
    const traefik = await fakeTraefik(p, (req) =>
      req.url === '/fn/hello' ? { status: 200, body: '{"message":"Hi"}', headers: { 'set-cookie': ['a=1', 'b=2'] } } : { status: 502, body: 'Bad Gateway' },
    )
    const ok = await p.run(['function', 'invoke', 'hello', '--json'])
    expect(ok.code).toBe(0)
    expect(ok.stderr).toBe('')
    const json = JSON.parse(ok.stdout) as { headers: Record<string, unknown> }
    expect(json).toMatchObject({ ok: true, status: 200, statusText: 'OK', body: '{"message":"Hi"}', via: `http://api.localhost:${traefik.port}/fn/hello` })
    expect(json.headers).toMatchObject({ 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] })
    const failed = await p.run(['function', 'invoke', 'hello', '--path', '/down', '--json'])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toBe('')
    expect(JSON.parse(failed.stdout)).toMatchObject({
      ok: false,
      status: 502,
      statusText: 'Bad Gateway',
      body: 'Bad Gateway',
      problems: [{ path: '', code: 'function_failed', message: `Function "hello" answered 502 Bad Gateway (through http://api.localhost:${traefik.port}/fn/hello/down).` }],
    })
    const text = await p.run(['function', 'invoke', 'hello', '--path', '/down'])
    expect(text.stderr).toBe(
      `✖ Function "hello" answered 502 Bad Gateway (through http://api.localhost:${traefik.port}/fn/hello/down).\nhint: Its logs may say why: \`sparkbaas function logs hello\`.\n`,
    )
  })

  test('Traefik not listening: which address was tried and how to start the stack', async () => {
    const p = await project()
    const port = await freePort()
    p.setPorts({ http: port })
    const result = await p.run(['function', 'invoke', 'hello'])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      `✖ Could not reach Traefik at 127.0.0.1:${port} to call function "hello" through http://api.localhost:${port}/fn/hello (ECONNREFUSED).\n` +
        'hint: Is the stack up? `sparkbaas up` starts it; `sparkbaas status` shows it.\n',
    )
  })
})

/** openssl makes the self-signed certificate (Node cannot); without it the TLS case is skipped. */
const OPENSSL = ['/usr/bin/openssl', '/bin/openssl', '/usr/local/bin/openssl'].find((file) => existsSync(file))

test.skipIf(OPENSSL === undefined)('with tls on: HTTPS to ports.https, the route’s host as SNI and Host, a self-signed certificate accepted', async () => {
  const p = await project({ config: { ...CONFIG, tls: 'self-signed' } })
  execFileSync(OPENSSL!, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=api.localhost'], { cwd: p.dir, stdio: 'ignore' })
  const seen: { sni?: string; host?: string; url?: string }[] = []
  const server = createHttpsServer(
    { key: readFileSync(join(p.dir, 'key.pem')), cert: readFileSync(join(p.dir, 'cert.pem')), SNICallback: (name, done) => (seen.push({ sni: name }), done(null)) },
    (req, res) => {
      seen.push({ host: req.headers.host!, url: req.url! })
      res.end('"secure"')
    },
  )
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  closers.push(() => new Promise((resolve) => server.close(() => resolve())))
  p.setPorts({ https: port })
  const result = await p.run(['function', 'invoke', 'hello', '--path', '/x'])
  expect(result.code).toBe(0)
  expect(result.stdout).toBe('"secure"')
  expect(result.stderr).toBe(`✔ 200 OK (https://api.localhost:${port}/fn/hello/x)\n`)
  expect(seen).toEqual([{ sni: 'api.localhost' }, { host: 'api.localhost', url: '/fn/hello/x' }])
})

describe('sparkbaas function invoke, inside the network (no route)', () => {
  let runtime: RunningServer | undefined
  afterEach(async () => {
    await runtime?.kill()
    runtime = undefined
  })

  test('compose exec -T functions node -e <script> -- <values…>: values as arguments, the reply of the real runtime', async () => {
    const p = await project()
    runtime = await startServer(join(p.out, 'functions', 'server.mjs'), { FUNCTIONS_MANIFEST: join(p.out, 'functions', 'manifest.json') })
    const port = new URL(runtime.baseUrl).port
    const data = '{"s":"it\'s $HOME `id` \\"q\\" ü\\n"}'
    const result = await p.run(['function', 'invoke', 'internal', '--data', data, '--path', '/a?b=1', '--header', 'X-Extra: 1'], { FAKE_DOCKER_FUNCTIONS_PORT: port })
    expect(result.stderr).toBe('✔ 200 OK (inside the functions container)\n')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ internal: true, method: 'POST', path: '/a?b=1', type: 'application/json', body: data })
    expect(p.fake.calls()).toEqual([
      VERSION_CALL,
      [...p.compose, 'exec', '-T', 'functions', 'node', '-e', EXEC_SCRIPT, '--', 'internal', 'POST', '/a?b=1', '[["X-Extra","1"],["content-type","application/json"]]', '1', data],
    ])
    // No body: "0" and an empty argument.
    await p.run(['function', 'invoke', 'internal'], { FAKE_DOCKER_FUNCTIONS_PORT: port })
    expect(p.fake.calls().at(-1)).toEqual([...p.compose, 'exec', '-T', 'functions', 'node', '-e', EXEC_SCRIPT, '--', 'internal', 'GET', '', '[]', '0', ''])
    const missing = await p.run(['function', 'invoke', 'internal', '--path', '/missing', '--json'], { FAKE_DOCKER_FUNCTIONS_PORT: port })
    expect(missing.code).toBe(1)
    expect(JSON.parse(missing.stdout)).toMatchObject({
      ok: false,
      status: 404,
      body: '{"error":"no such thing"}',
      via: 'runtime',
      problems: [{ path: '', code: 'function_failed', message: 'Function "internal" answered 404 Not Found (inside the functions container).' }],
    })
  })

  test('the runtime not answering, and compose exec failing (stack down)', async () => {
    const p = await project()
    const port = await freePort()
    const down = await p.run(['function', 'invoke', 'internal'], { FAKE_DOCKER_FUNCTIONS_PORT: String(port) })
    expect(down.code).toBe(1)
    expect(down.stderr).toBe(
      `✖ Could not call function "internal" inside the functions container:\n  the functions runtime did not answer on port ${port}: connect ECONNREFUSED 127.0.0.1:${port}\n` +
        'hint: `sparkbaas status` shows whether the functions service is healthy; `sparkbaas logs functions` shows why not.\n',
    )
    const failed = await p.run(['function', 'invoke', 'internal'], { FAKE_EXEC_EXIT: '1' })
    expect(failed.code).toBe(1)
    expect(failed.stderr).toBe(
      '✖ Could not run a request in the functions container (compose exec failed with exit code 1).\nhint: Is the stack up? `sparkbaas up` starts it; `sparkbaas status` shows it.\n',
    )
  })
})

describe('sparkbaas function invoke, usage mistakes (nothing is sent)', () => {
  test.each([
    [['hello', '--data', '{"a":'], `✖ --data is not valid JSON: ${jsonError('{"a":')}.\nhint: Quote it for the shell, e.g. \`sparkbaas function invoke hello --data '{"name":"Ada"}'\`.\n`],
    [['hello', '--header', 'NoColon'], '✖ --header needs NAME:VALUE, not "NoColon".\nhint: For example: --header "X-Request-Id: 42".\n'],
    [['hello', '--header', 'Bad Name: x'], '✖ --header needs NAME:VALUE, not "Bad Name: x".\nhint: For example: --header "X-Request-Id: 42".\n'],
    [['hello', '--path', 'items'], '✖ --path must start with "/" or "?" and hold no spaces or "#", not "items".\nhint: For example: --path /items/42?full=1.\n'],
    [['hello', '--method', 'TRACE'], '✖ --method must be an HTTP method such as GET, POST, PUT, PATCH or DELETE, not "TRACE".\n'],
    [['hello', '--token', 't', '--header', 'authorization: Basic x'], '✖ --token and --header Authorization cannot be used together.\nhint: --token T sends `Authorization: Bearer T`.\n'],
    [['hell'], '✖ Unknown function "hell": stack demo has no such function — did you mean "hello"?\nhint: Its functions are: hello, echo, secret, internal.\n'],
  ])('%j', async (args, message) => {
    const p = await project({ generate: false })
    const result = await p.run(['function', 'invoke', ...args])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(message)
    expect(p.fake.calls()).toEqual([])
  })
})

/** Node's own wording for a JSON syntax error, which the message passes on (it differs between Node versions). */
function jsonError(text: string): string {
  try {
    JSON.parse(text)
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('valid JSON')
}
