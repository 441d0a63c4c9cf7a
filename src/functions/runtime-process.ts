/** The functions runtime (blueprints/functions/server.mjs) as a plain local `node` process, for `function serve`. */
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { join } from 'node:path'
import type { Writable } from 'node:stream'
import { lastLines } from '../engine/process.js'
import { SparkbaasError } from '../errors.js'

export interface RuntimeProcess {
  /** The port it listens on (the one the OS picked for port 0). */
  readonly port: number
  /** Resolves with the exit code (128 + n for signal n) once it is gone, however that happened. */
  readonly exited: Promise<number>
  /** SIGTERM (it finishes in-flight requests, at most ~5.5 s), SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>
}

export interface StartRuntimeOptions {
  /** A folder as `generate` writes `functions/`: server.mjs, manifest.json and the bundles. */
  readonly dir: string
  readonly port: number
  readonly host: string
  /** Where its output goes, as it comes. */
  readonly stdout: Writable
  readonly stderr: Writable
}

/** What the runtime prints once it listens (server.mjs `server.listen` callback). */
const LISTENING = /^functions runtime listening on \S+:(\d+) /m

/** Starts the runtime and resolves once it listens; rejects (port_busy for a taken port) if it exits first. */
export function startRuntime(options: StartRuntimeOptions): Promise<RuntimeProcess> {
  const child = spawn(process.execPath, [join(options.dir, 'server.mjs')], {
    env: { ...process.env, PORT: String(options.port), HOST: options.host, FUNCTIONS_MANIFEST: join(options.dir, 'manifest.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.pipe(options.stdout, { end: false })
  child.stderr.pipe(options.stderr, { end: false })
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal])))
    child.once('error', () => resolve(-1))
  })
  const stop = async (graceMs = 7_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    }
    await exited
  }

  return new Promise((resolve, reject) => {
    // Kept until it listens: the start line, or why it could not start.
    let out = ''
    let err = ''
    const onOut = (chunk: Buffer) => {
      out += chunk.toString('utf8')
      const match = LISTENING.exec(out)
      if (match === null) return
      child.stdout.off('data', onOut)
      child.stderr.off('data', onErr)
      resolve({ port: Number(match[1]), exited, stop })
    }
    const onErr = (chunk: Buffer) => {
      err += chunk.toString('utf8')
    }
    child.stdout.on('data', onOut)
    child.stderr.on('data', onErr)
    void exited.then((code) => {
      if (LISTENING.test(out)) return
      const said = lastLines(err, 5)
      if (/EADDRINUSE/.test(err)) {
        reject(new SparkbaasError('port_busy', `Port ${options.port} on ${options.host} is taken: the functions runtime cannot listen there.`, { hint: 'Pick another with --port N.' }))
        return
      }
      reject(new SparkbaasError('function_failed', [`The functions runtime exited with code ${code} before it listened${said.length > 0 ? ':' : '.'}`, ...said.map((line) => `  ${line}`)].join('\n')))
    })
  })
}
