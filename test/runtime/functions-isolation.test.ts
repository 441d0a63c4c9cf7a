// Issue 12 item 8: a function must not see other functions' env, read the manifest, take the runtime down or use
// unbounded memory. Each case attacks the real runtime (blueprints/functions/server.mjs) started with `node`.
//
// Why worker threads were not enough (Node docs, doc/api/worker_threads.md "Notable differences inside a Worker
// environment"): a Worker shares its process, so `process.kill(process.pid)` signals the whole runtime, the
// process's files (the manifest, /proc/self/environ) are readable from every thread, and `resourceLimits` bound
// only the JavaScript heap (maxOldGenerationSizeMb …), not Buffers/ArrayBuffers. The runtime therefore runs each
// function in a child process of its own, started once (not per request) under Node's permission model
// (doc/api/permissions.md: fs reads limited to --allow-fs-read paths, no child processes or workers, and
// process.binding() denied), with an env holding only that function's variables.
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from './spawn-server.js'

const SERVER = fileURLToPath(new URL('../../blueprints/functions/server.mjs', import.meta.url))
const MANIFEST = fileURLToPath(new URL('../fixtures/runtime/isolation/manifest.json', import.meta.url))
const SECRET = 'alpha-secret-value'

describe('functions runtime isolation', () => {
  let server: RunningServer
  const url = (path: string) => `${server.baseUrl}${path}`
  const alphaStillAnswers = async () => {
    const res = await fetch(url('/alpha'))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ secret: SECRET })
  }

  beforeAll(async () => {
    server = await startServer(SERVER, { FUNCTIONS_MANIFEST: MANIFEST, RUNTIME_ONLY_SETTING: 'runtime-value' })
  })
  afterAll(async () => {
    await server?.kill()
  })

  it('gives a function its own env and nothing else: no other function env, no runtime env', async () => {
    const res = await fetch(url('/snoop'))
    expect(res.status).toBe(200)
    const seen = (await res.json()) as Record<string, unknown>
    expect(seen.env).toEqual({ SNOOP_OWN: 'mine' })
    expect(JSON.stringify(seen)).not.toContain(SECRET)
    expect(JSON.stringify(seen)).not.toContain('runtime-value')
  })

  it('keeps the manifest, /proc environ files and process.binding out of reach of function code', async () => {
    const seen = (await (await fetch(url('/snoop'))).json()) as Record<string, string>
    expect(seen.manifest).toBe('denied: ERR_ACCESS_DENIED')
    expect(seen.selfEnviron).toBe('denied: ERR_ACCESS_DENIED')
    expect(seen.parentEnviron).toBe('denied: ERR_ACCESS_DENIED')
    expect(seen.binding).toBe('denied: ERR_ACCESS_DENIED')
  })

  it('refuses process.kill of the runtime (SIGKILL) from a function, and the runtime keeps serving', async () => {
    const res = await fetch(url(`/killer?pid=${server.child.pid}&signal=SIGKILL`))
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({
      error: 'function_error',
      message: 'process.kill is not allowed in a function (only the function itself may be signalled)',
    })
    await alphaStillAnswers()
  })

  it('survives a function that signals itself or calls process.exit, and restarts it', async () => {
    for (const path of ['/killer?pid=self&signal=SIGTERM', '/killer?pid=self&signal=SIGKILL', '/killer/exit']) {
      const res = await fetch(url(path))
      expect(res.status).toBe(500)
      expect(await res.json()).toEqual({
        error: 'function_crashed',
        message: 'function "killer" crashed while handling the request',
      })
      await alphaStillAnswers()
    }
    expect(server.child.exitCode).toBe(null)
    // The function itself is back for the next request.
    const res = await fetch(url(`/killer?pid=${server.child.pid}&signal=SIGTERM`))
    expect(res.status).toBe(500)
    expect(((await res.json()) as { error: string }).error).toBe('function_error')
  })

  it('ends a function whose JavaScript heap outgrows memoryMb, alone', async () => {
    const res = await fetch(url('/heap'))
    expect(res.status).toBe(500)
    // Two guards race here and either may win: V8's heap limit (--max-old-space-size=memoryMb ends the process:
    // function_crashed) and the runtime's resident-memory check (function_out_of_memory). Both end it alone.
    const body = (await res.json()) as { error: string; message: string }
    expect([
      { error: 'function_crashed', message: 'function "heap" crashed while handling the request' },
      { error: 'function_out_of_memory', message: 'function "heap" used more than its memory limit of 96 MiB and was stopped' },
    ]).toContainEqual(body)
    await alphaStillAnswers()
  })

  it('ends a function whose off-heap memory (Buffers) outgrows memoryMb, alone, and says why', async () => {
    const res = await fetch(url('/offheap'))
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({
      error: 'function_out_of_memory',
      message: 'function "offheap" used more than its memory limit of 96 MiB and was stopped',
    })
    expect(server.stderr()).toMatch(/\[offheap\] uses \d+ MiB, over its limit of 96 MiB; stopping it/)
    await alphaStillAnswers()
  })
})
