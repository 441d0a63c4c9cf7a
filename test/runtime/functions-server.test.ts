import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send } from '../helpers/http.js'
import { startServer, type RunningServer } from './spawn-server.js'

const SERVER = fileURLToPath(new URL('../../blueprints/functions/server.mjs', import.meta.url))
const MANIFEST = fileURLToPath(new URL('../fixtures/runtime/manifest.json', import.meta.url))

const FUNCTION_NAMES = [
  'hello',
  'hola',
  'custom',
  'echo',
  'slow',
  'spin',
  'throws',
  'crash',
  'broken',
  'nothing',
  'bigint',
  'delayed',
]

describe('functions runtime (blueprints/functions/server.mjs)', () => {
  let server: RunningServer
  const url = (path: string) => `${server.baseUrl}${path}`

  beforeAll(async () => {
    server = await startServer(SERVER, { FUNCTIONS_MANIFEST: MANIFEST, FUNCTIONS_MAX_BODY_BYTES: '1024' })
  })
  afterAll(async () => {
    await server?.kill()
  })

  it('answers /_health with the function names', async () => {
    const res = await fetch(url('/_health'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await res.json()).toEqual({ status: 'ok', functions: FUNCTION_NAMES })
  })

  it('runs a function with its own env and sends a plain return value as JSON', async () => {
    const res = await fetch(url('/hello'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await res.json()).toEqual({ greeting: 'Hello' })
  })

  it('gives two functions different env values (one worker each)', async () => {
    const [a, b] = await Promise.all([fetch(url('/hello')), fetch(url('/hola'))])
    expect(await a.json()).toEqual({ greeting: 'Hello' })
    expect(await b.json()).toEqual({ greeting: 'Hola' })
  })

  // Issue 16: messages to and from a function process go out in batches, one per turn of the event loop. Many
  // requests at once, to one function and to several, must each still get their own answer.
  it('answers many concurrent requests each with its own reply', async () => {
    const requests = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 2
        ? fetch(url(i % 2 ? '/hello' : '/hola')).then(async (res) => ({ i, status: res.status, body: await res.json() }))
        : fetch(url(`/echo/${i}?n=${i}`), { method: 'POST', body: `body ${i} ${'x'.repeat(i * 10)}` }).then(async (res) => ({ i, status: res.status, body: await res.json() })),
    )
    for (const { i, status, body } of await Promise.all(requests)) {
      expect(status).toBe(200)
      if (i % 3 === 2) expect(body).toEqual({ greeting: i % 2 ? 'Hello' : 'Hola' })
      else expect(body).toMatchObject({ method: 'POST', path: `/${i}`, query: { n: String(i) }, body: `body ${i} ${'x'.repeat(i * 10)}` })
    }
  })

  it('passes a returned Response through with its status, headers and body', async () => {
    const res = await fetch(url('/custom'))
    expect(res.status).toBe(201)
    expect(res.headers.get('x-custom')).toBe('yes')
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/'])
    expect(await res.text()).toBe('created!')
  })

  it('strips the function prefix and forwards method, path, query, headers and body', async () => {
    const res = await fetch(url('/echo/a/b?x=1&y=two'), {
      method: 'POST',
      headers: { 'x-test': 'header-value', 'content-type': 'text/plain' },
      body: 'hello body',
    })
    expect(res.status).toBe(200)
    const host = new URL(server.baseUrl).host
    expect(await res.json()).toEqual({
      method: 'POST',
      url: `http://${host}/a/b?x=1&y=two`,
      path: '/a/b',
      query: { x: '1', y: 'two' },
      header: 'header-value',
      body: 'hello body',
    })
  })

  // Issue 16: a plain host and path skip the URL parser; the handler's URL must be what URL makes of them either way.
  it('gives the handler the URL that WHATWG URL makes of the Host and the path', async () => {
    const cases: [string, string, string][] = [
      ['api.localhost', '/echo/a/b?x=1', 'http'],
      ['API.Localhost:80', '/echo/a', 'http'],
      ['api.localhost:443', '/echo/a', 'https'],
      ['api.localhost:8443', '/echo/a;b=c/d@e', 'https'],
      ['0x7f.1', '/echo/x', 'http'],
      ['a.b:65536', '/echo/x', 'http'],
      ['xn--nxasmq6b.example', '/echo/x', 'http'],
      ['api.localhost', '/echo//evil/x', 'http'],
      ['api.localhost', "/echo/it's?q='x y'", 'http'],
      ['api.localhost', '/echo/a/../b/%7e?%zz', 'http'],
      ['api.localhost', '/echo/caf\u00e9?n=\u00e9', 'http'],
    ]
    for (const [host, target, proto] of cases) {
      const res = await send(`${server.baseUrl}${encodeURI(target).replace(/%25/g, '%')}`, { headers: [['host', host], ['x-forwarded-proto', proto]] })
      const rest = target.slice('/echo'.length) || '/'
      let expected: string
      try {
        expected = new URL(encodeURI(rest).replace(/%25/g, '%'), `${proto}://${host}`).href
      } catch {
        expected = new URL(encodeURI(rest).replace(/%25/g, '%'), `${proto}://localhost`).href
      }
      expect(((await res.json()) as { url: string }).url, `${host} ${target}`).toBe(expected)
    }
  })

  it('maps /<name> without a rest to / and honours X-Forwarded-Proto', async () => {
    const res = await fetch(url('/echo'), { headers: { 'x-forwarded-proto': 'https' } })
    const body = (await res.json()) as Record<string, unknown>
    expect(body.method).toBe('GET')
    expect(body.path).toBe('/')
    expect(body.url).toBe(`https://${new URL(server.baseUrl).host}/`)
    expect(body.body).toBe('')
  })

  it('answers 204 when the handler returns undefined', async () => {
    const res = await fetch(url('/nothing'))
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
  })

  it('refuses a body over the limit with 413 JSON', async () => {
    const res = await fetch(url('/echo'), { method: 'POST', body: 'x'.repeat(2000) })
    expect(res.status).toBe(413)
    expect(await res.json()).toEqual({ error: 'payload_too_large', message: 'request body is larger than 1024 bytes' })
  })

  it('answers 404 JSON for an unknown function', async () => {
    const res = await fetch(url('/nope/x?y=1'))
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: 'not_found', message: 'no function named "nope"' })
    const proto = await fetch(url('/__proto__'))
    expect(proto.status).toBe(404)
    expect(await proto.json()).toEqual({ error: 'not_found', message: 'no function named "__proto__"' })
  })

  it('answers 500 function_error when the handler throws, without a stack, and logs the stack', async () => {
    const res = await fetch(url('/throws'))
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ error: 'function_error', message: 'boom' })
    expect(server.stderr()).toMatch(/\[throws\] handler threw: Error: boom\n\[throws\] {5}at /)
  })

  it('answers 500 function_error when the return value is not JSON-serializable', async () => {
    const res = await fetch(url('/bigint'))
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ error: 'function_error', message: 'Do not know how to serialize a BigInt' })
  })

  it('answers 500 for a module that fails to load, and the others keep working', async () => {
    const res = await fetch(url('/broken/anything'))
    expect(res.status).toBe(500)
    const body = (await res.json()) as { error: string; message: string }
    expect(body.error).toBe('function_unavailable')
    expect(body.message).toMatch(/^function "broken" failed to load: Cannot find module .*does-not-exist\.mjs/)
    expect((await fetch(url('/broken'))).status).toBe(500)
    expect((await fetch(url('/hello'))).status).toBe(200)
  })

  it('answers 504 for a slow handler long before it finishes', async () => {
    const started = performance.now()
    const res = await fetch(url('/slow'))
    const elapsed = performance.now() - started
    expect(res.status).toBe(504)
    expect(await res.json()).toEqual({ error: 'timeout', message: 'function "slow" did not answer within 200 ms' })
    expect(elapsed).toBeGreaterThanOrEqual(190)
    expect(elapsed).toBeLessThan(1500)
    // The worker was only slow, not stuck: it keeps serving requests within the limit.
    const quick = await fetch(url('/slow?ms=1'))
    expect(quick.status).toBe(200)
    expect(await quick.json()).toEqual({ sleptMs: 1 })
  })

  it('answers 504 for a handler stuck in while(true), restarts its worker, and keeps serving everything', async () => {
    const started = performance.now()
    const res = await fetch(url('/spin?spin'))
    expect(res.status).toBe(504)
    expect(await res.json()).toEqual({ error: 'timeout', message: 'function "spin" did not answer within 200 ms' })
    expect(performance.now() - started).toBeLessThan(1500)

    // The main thread is not blocked: health and other functions answer while the worker spins.
    expect((await fetch(url('/_health'))).status).toBe(200)
    expect(await (await fetch(url('/hola'))).json()).toEqual({ greeting: 'Hola' })

    // After the liveness probe gives up (1 s), the stuck worker is replaced and the function answers again.
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    expect(server.stderr()).toContain('[spin] process is unresponsive after a timeout')
    const again = await fetch(url('/spin'))
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ alive: true })
  })

  it('answers 500 when the worker crashes mid-request and restarts it for the next one', async () => {
    const res = await fetch(url('/crash?crash'))
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({
      error: 'function_crashed',
      message: 'function "crash" crashed while handling the request',
    })
    const again = await fetch(url('/crash'))
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ alive: true })
  })

  it('logs one line per request with method, path (no query), status and duration', () => {
    const lines = server.stdout().split('\n')
    expect(lines).toContainEqual(expect.stringMatching(/^GET \/nope\/x 404 \d+\.\dms$/))
    expect(lines).toContainEqual(expect.stringMatching(/^POST \/echo\/a\/b 200 \d+\.\dms$/))
    expect(server.stdout()).not.toContain('y=two')
  })
})

describe('functions runtime shutdown', () => {
  it('on SIGTERM finishes the in-flight request, stops accepting, and exits 0', async () => {
    const server = await startServer(SERVER, { FUNCTIONS_MANIFEST: MANIFEST })
    try {
      const inFlight = fetch(`${server.baseUrl}/delayed?ms=300`)
      await new Promise((resolve) => setTimeout(resolve, 100))
      server.child.kill('SIGTERM')
      const res = await inFlight
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ sleptMs: 300 })
      expect(await server.exited).toBe(0)
      await expect(fetch(`${server.baseUrl}/_health`)).rejects.toThrow()
    } finally {
      await server.kill()
    }
  })

  it('exits 1 with a clear message when the manifest is invalid', async () => {
    await expect(startServer(SERVER, { FUNCTIONS_MANIFEST: '/nonexistent/manifest.json' })).rejects.toThrow(
      /exited with 1 before listening[\s\S]*cannot use manifest \/nonexistent\/manifest\.json: ENOENT/,
    )
  })
})
