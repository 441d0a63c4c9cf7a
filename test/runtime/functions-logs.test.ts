/**
 * Every line a function writes reaches the runtime's stdout or stderr as `[<name>] <line>`, whatever way it was
 * written (several lines at once, a line in pieces, a character split across writes, no final line break), so
 * `sparkbaas function logs <name>` can pick one function's lines out of the functions service's log.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from './spawn-server.js'

const SERVER = fileURLToPath(new URL('../../blueprints/functions/server.mjs', import.meta.url))
const MANIFEST = fileURLToPath(new URL('../fixtures/runtime/logs-manifest.json', import.meta.url))

/** Waits until `read()` contains `text` (output crosses a thread and a pipe). */
async function waitFor(read: () => string, text: string): Promise<void> {
  const deadline = Date.now() + 3_000
  while (!read().includes(text)) {
    if (Date.now() > deadline) throw new Error(`never saw ${JSON.stringify(text)} in:\n${read()}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const lines = (text: string) => text.split('\n')

describe('functions runtime: a function’s output, labelled with its name', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer(SERVER, { FUNCTIONS_MANIFEST: MANIFEST })
  })
  afterAll(async () => {
    await server?.kill()
  })

  it('prefixes every line on stdout, joins a line written in pieces and writes an unfinished line anyway', async () => {
    const res = await fetch(`${server.baseUrl}/talk`)
    expect(await res.json()).toEqual({ ok: true })
    await waitFor(server.stdout, '[talk] no line break at the end\n')
    const talk = lines(server.stdout()).filter((line) => line.startsWith('[talk] '))
    expect(talk).toEqual([
      '[talk] one line',
      '[talk] first of two',
      '[talk] second of two',
      '[talk] part one, part two',
      '[talk] café',
      '[talk] ',
      '[talk] no line break at the end',
    ])
    // The runtime's own lines are unchanged: the request log and the start line.
    expect(lines(server.stdout())).toContainEqual(expect.stringMatching(/^GET \/talk 200 \d+\.\dms$/))
    expect(server.stdout()).toMatch(/^functions runtime listening on 127\.0\.0\.1:\d+ with 2 function\(s\): talk, hello\n/)
  })

  it('prefixes stderr too, including every line of a stack trace, and only once', async () => {
    await waitFor(server.stderr, '[talk] unhandled promise rejection: Error: nobody caught me\n')
    const err = lines(server.stderr())
    expect(err).toContain('[talk] to stderr')
    expect(err).toContain('[talk] still stderr')
    const at = err.indexOf('[talk] unhandled promise rejection: Error: nobody caught me')
    expect(err[at + 1]).toMatch(/^\[talk\] {5}at /)
    expect(server.stderr()).not.toContain('[talk] [talk]')
    // Nothing of one function is labelled with another's name.
    expect(server.stdout()).not.toContain('[hello]')
    expect(server.stderr()).not.toContain('[hello]')
  })

  it('writes what a function wrote just before it crashed, and labels the runtime’s own message about it', async () => {
    const res = await fetch(`${server.baseUrl}/talk?crash`)
    expect(res.status).toBe(500)
    // The function runs in a process of its own: Node prints the uncaught error there, the runtime labels it.
    await waitFor(server.stderr, '[talk] process ended (exit code 1)\n')
    await waitFor(server.stdout, '[talk] last words without a line break\n')
    const err = lines(server.stderr())
    const at = err.indexOf('[talk] Error: crash after writing')
    expect(at).toBeGreaterThan(-1)
    expect(err[at + 1]).toMatch(/^\[talk\] {5}at /)
  })
})
