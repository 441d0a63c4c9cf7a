/**
 * `sparkbaas function serve`, for real: the built CLI serves a temp project's functions with node on a free port;
 * an edit reloads, a build error keeps the last good build serving, Ctrl-C stops it and removes its temp folder.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { afterEach, describe, expect, test } from 'vitest'
import { ROOT } from '../helpers/cli.js'
import { freePort, holdPort } from '../helpers/stack.js'
import { project, type Project } from './_project.js'

interface Serving {
  stdout(): string
  stderr(): string
  /** Waits until `read()` matches `pattern` (10 s at most). */
  waitFor(read: () => string, pattern: RegExp | string): Promise<void>
  stop(signal?: NodeJS.Signals): Promise<number | null>
  exited: Promise<number | null>
}

const running: Serving[] = []
afterEach(async () => {
  for (const serving of running.splice(0)) await serving.stop('SIGKILL')
})

/** Runs `sparkbaas function serve …` in the project with its own TMPDIR, so its temp folder can be looked at. */
function serve(p: Project, args: string[], tmp: string): Serving {
  const child = spawn(process.execPath, [join(ROOT, 'bin/sparkbaas.mjs'), 'function', 'serve', ...args], {
    cwd: p.dir,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, TMPDIR: tmp },
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const serving: Serving = {
    stdout: () => stripVTControlCharacters(out),
    stderr: () => stripVTControlCharacters(err),
    async waitFor(read, pattern) {
      const deadline = Date.now() + 10_000
      const matches = () => (typeof pattern === 'string' ? read().includes(pattern) : pattern.test(read()))
      while (!matches()) {
        if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${out}\n${err}`)
        if (Date.now() > deadline) throw new Error(`never saw ${String(pattern)}:\n${out}\n${err}`)
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    },
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
    exited,
  }
  running.push(serving)
  return serving
}

const get = async (url: string) => {
  const res = await fetch(url)
  return { status: res.status, body: await res.text() }
}

describe('sparkbaas function serve', () => {
  test('serves with the config’s env, reloads on an edit, keeps the last good build on a build error, stops on Ctrl-C', async () => {
    const p = await project({ generate: false })
    const tmp = join(p.dir, 'tmp')
    mkdirSync(tmp)
    const port = await freePort()
    const s = serve(p, ['--port', String(port)], tmp)
    const base = `http://127.0.0.1:${port}`
    await s.waitFor(s.stdout, '✔ Serving')
    expect(s.stdout()).toContain(`✔ Serving ${base}/hello, ${base}/echo, ${base}/secret, ${base}/internal (reloading on change); Ctrl-C stops.\n`)
    // GREETING comes from the function's env in the config, through the manifest, as in the container.
    expect(await get(`${base}/hello?name=Ada`)).toEqual({ status: 200, body: '{"message":"Hi, Ada!"}' })
    expect(readdirSync(tmp)).toHaveLength(1)

    p.write('functions/hello/index.ts', 'export default () => ({ message: "edited" })\n')
    await s.waitFor(s.stdout, '✔ Reloaded hello (functions/hello/index.ts changed).\n')
    expect(await get(`${base}/hello`)).toEqual({ status: 200, body: '{"message":"edited"}' })

    p.write('functions/hello/index.ts', 'export default () => ({ message: "broken" \n')
    await s.waitFor(s.stderr, '✖ Build failed; still serving the last good build.\n')
    expect(s.stderr()).toMatch(
      /✖ Build failed; still serving the last good build\.\nfunctions\[0\]\.source: could not bundle function "hello":\n {2}functions\/hello\/index\.ts:\d+:\d+: Expected "}" but found /,
    )
    expect(await get(`${base}/hello`)).toEqual({ status: 200, body: '{"message":"edited"}' })
    expect(await get(`${base}/echo/x?y=1`)).toEqual({ status: 200, body: '{"method":"GET","path":"/x","query":"?y=1","type":null,"extra":null,"body":""}' })

    p.write('functions/hello/index.ts', 'export default () => ({ message: "fixed" })\n')
    await s.waitFor(s.stdout, /Reloaded hello \(functions\/hello\/index\.ts changed\)\.\n[\s\S]*Reloaded hello/)
    expect(await get(`${base}/hello`)).toEqual({ status: 200, body: '{"message":"fixed"}' })

    // A file that changes no bundle restarts nothing.
    p.write('functions/echo/README.md', 'notes\n')
    await s.waitFor(s.stdout, 'No function changed (functions/echo/README.md).\n')

    expect(await s.stop('SIGINT')).toBe(0)
    expect(readdirSync(tmp)).toEqual([])
    await expect(fetch(`${base}/hello`)).rejects.toThrow()
  })

  test('--json: events as JSON lines on stdout, the runtime’s output on stderr; --no-watch does not reload', async () => {
    const p = await project({ generate: false })
    const tmp = join(p.dir, 'tmp')
    mkdirSync(tmp)
    const s = serve(p, ['--port', '0', '--json'], tmp)
    await s.waitFor(s.stdout, '\n')
    const listening = JSON.parse(s.stdout().split('\n')[0]!) as { event: string; url: string; functions: string[] }
    expect(listening).toEqual({ event: 'listening', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), functions: ['hello', 'echo', 'secret', 'internal'] })
    expect(s.stderr()).toMatch(/^functions runtime listening on 127\.0\.0\.1:\d+ with 4 function\(s\): echo, hello, internal, secret\n/)
    p.write('functions/internal/index.mjs', 'export default () => "v2"\n')
    await s.waitFor(s.stdout, '"reloaded"')
    expect(JSON.parse(s.stdout().split('\n')[1]!)).toEqual({ event: 'reloaded', functions: ['internal'], files: [join(p.dir, 'functions/internal/index.mjs')] })
    expect(await get(`${listening.url}/internal`)).toEqual({ status: 200, body: '"v2"' })
    p.write('functions/internal/index.mjs', 'export default () => {\n')
    await s.waitFor(s.stdout, '"build_failed"')
    const failed = JSON.parse(s.stdout().split('\n')[2]!) as { event: string; message: string }
    expect(failed.event).toBe('build_failed')
    expect(failed.message).toMatch(/^functions\[3\]\.source: could not bundle function "internal":\n {2}functions\/internal\/index\.mjs:2:1: Unexpected end of file/)
    expect(await s.stop('SIGTERM')).toBe(0)

    p.write('functions/internal/index.mjs', 'export default () => "v3"\n')
    const still = serve(p, ['--port', '0', '--no-watch'], tmp)
    await still.waitFor(still.stdout, /✔ Serving http:\/\/127\.0\.0\.1:\d+\/hello, .*\/internal; Ctrl-C stops\.\n$/)
    const url = /(http:\/\/127\.0\.0\.1:\d+)\/hello/.exec(still.stdout())![1]!
    expect(await get(`${url}/internal`)).toEqual({ status: 200, body: '"v3"' })
    p.write('functions/internal/index.mjs', 'export default () => "v4"\n')
    await new Promise((resolve) => setTimeout(resolve, 800))
    expect(await get(`${url}/internal`)).toEqual({ status: 200, body: '"v3"' })
    expect(still.stdout()).not.toContain('Reloaded')
    expect(await still.stop('SIGINT')).toBe(0)
  })

  test('errors: a build error at start, a taken port, a bad --port, a stack without functions', async () => {
    const p = await project({ generate: false })
    const tmp = join(p.dir, 'tmp')
    mkdirSync(tmp)
    p.write('functions/echo/index.ts', 'export default (\n')
    const broken = await p.run(['function', 'serve', '--port', '0'])
    expect(broken.code).toBe(1)
    expect(broken.stderr).toBe(
      '✖ functions[1].source: could not bundle function "echo":\n  functions/echo/index.ts:2:1: Unexpected end of file\nhint: Fix the function\'s code, then run `sparkbaas function serve` again.\n',
    )
    p.write('functions/echo/index.ts', 'export default () => 1\n')

    const port = await freePort()
    await holdPort(port)
    const busy = await p.run(['function', 'serve', '--port', String(port)])
    expect(busy.code).toBe(1)
    expect(busy.stderr).toMatch(new RegExp(`✖ Port ${port} on 127\\.0\\.0\\.1 is taken: the functions runtime cannot listen there\\.\\nhint: Pick another with --port N\\.\\n$`))

    const bad = await p.run(['function', 'serve', '--port', '70000'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe('✖ --port must be at most 65535, not 70000.\n')
    const word = await p.run(['function', 'serve', '--port', 'http'])
    expect(word.code).toBe(2)
    expect(word.stderr).toBe('✖ --port needs a whole number, not "http".\nhint: For example: `sparkbaas function serve --port 8787`.\n')

    const empty = await project({ config: { project: 'bare' }, generate: false })
    const none = await empty.run(['function', 'serve'])
    expect(none.code).toBe(2)
    expect(none.stderr).toBe('✖ Stack bare has no functions to serve.\nhint: Add one with `sparkbaas function new <name>`.\n')
  })
})
