/**
 * `function serve`: the functions runtime on this machine with plain node, no containers. The functions are
 * bundled by the same code as `generate` (src/build/functions.ts) and laid out as `generate` lays out
 * `functions/` (renderFunctions: bundles, manifest.json with each function's env, server.mjs or the user's
 * override from blueprints/), in a temp folder; `node server.mjs` serves them. A change in a function's folder
 * rebuilds; when a bundle changed, the runtime restarts on the new build. A build that fails is reported and the
 * last good build keeps serving.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Writable } from 'node:stream'
import { buildFunctions } from '../build/functions.js'
import { isSparkbaasError, SparkbaasError } from '../errors.js'
import { FUNCTIONS_PORT } from '../model/services.js'
import type { StackModel } from '../model/types.js'
import { renderFunctions } from '../render/functions.js'
import { startRuntime, type RuntimeProcess } from './runtime-process.js'
import { watchFolders, type FolderWatch } from './watch.js'

export interface ServeOptions {
  /** @default 8000 (the functions service's port); 0 lets the OS pick one */
  readonly port?: number
  /** @default '127.0.0.1': a development server stays off the network */
  readonly host?: string
  /** Rebuild and restart on a change in a function's folder. @default true */
  readonly watch?: boolean
  readonly onEvent?: (event: ServeEvent) => void
  /** Where the runtime's own output goes. @default process.stdout, process.stderr */
  readonly stdout?: Writable
  readonly stderr?: Writable
  /** Quiet time after a change before rebuilding. @default 150 */
  readonly debounceMs?: number
}

export type ServeEvent =
  | { readonly type: 'reloaded'; readonly functions: readonly string[]; readonly files: readonly string[] }
  | { readonly type: 'unchanged'; readonly files: readonly string[] }
  | { readonly type: 'build_failed'; readonly error: SparkbaasError; readonly files: readonly string[] }
  | { readonly type: 'runtime_exited'; readonly code: number }
  | { readonly type: 'restart_failed'; readonly error: SparkbaasError }
  | { readonly type: 'watch_failed'; readonly error: Error }

export interface FunctionsServer {
  /** `http://127.0.0.1:8000`: function `x` answers at `<url>/x`. */
  readonly url: string
  readonly port: number
  readonly functions: readonly string[]
  /** Stops watching and the runtime (it finishes in-flight requests) and removes the temp folder. */
  stop(): Promise<void>
}

interface Build {
  readonly dir: string
  readonly bundles: ReadonlyMap<string, string>
}

/** Builds and starts the runtime; rejects with the build error (or port_busy) when the first start fails. */
export async function serveFunctions(model: StackModel, options: ServeOptions = {}): Promise<FunctionsServer> {
  if (model.functions.length === 0) {
    throw new SparkbaasError('usage', `Stack ${model.project} has no functions to serve.`, { hint: 'Add one with `sparkbaas function new <name>`.' })
  }
  const host = options.host ?? '127.0.0.1'
  const emit = options.onEvent ?? (() => {})
  const output = { stdout: options.stdout ?? process.stdout, stderr: options.stderr ?? process.stderr }
  const work = await mkdtemp(join(tmpdir(), 'sparkbaas-serve-'))
  let builds = 0
  const build = async (): Promise<Build> => {
    const dir = join(work, String(++builds))
    try {
      const bundles = await buildFunctions(model)
      const files = renderFunctions(model, { blueprintsDir: join(model.configDir, 'blueprints'), functionBundles: bundles })
      for (const file of files) {
        if (!file.path.startsWith('functions/')) continue
        const target = join(dir, file.path.slice('functions/'.length))
        await mkdir(dirname(target), { recursive: true })
        await writeFile(target, file.contents)
      }
      return { dir, bundles }
    } catch (error) {
      await rm(dir, { recursive: true, force: true })
      throw error
    }
  }

  let current: Build
  let runtime: RuntimeProcess
  try {
    current = await build()
    runtime = await startRuntime({ dir: current.dir, port: options.port ?? FUNCTIONS_PORT, host, ...output })
  } catch (error) {
    await rm(work, { recursive: true, force: true })
    // The build's own hint says to run `generate` again; here it is serve.
    if (isSparkbaasError(error) && error.code === 'render_failed') {
      throw new SparkbaasError(error.code, error.message, { problems: error.problems, hint: "Fix the function's code, then run `sparkbaas function serve` again.", cause: error })
    }
    throw error
  }
  const port = runtime.port
  let stopping = false
  let alive = true
  /** Runtimes stopped on purpose (replaced by a new build): their exit is no news. */
  const retired = new WeakSet<RuntimeProcess>()
  const watchExit = (started: RuntimeProcess) =>
    void started.exited.then((code) => {
      if (retired.has(started) || stopping) return
      alive = false
      emit({ type: 'runtime_exited', code })
    })
  watchExit(runtime)

  /** One rebuild at a time; changes meanwhile are gathered for the next. */
  let rebuilding: Promise<void> | undefined
  let waiting: string[] = []
  const rebuild = async (files: readonly string[]) => {
    let next: Build
    try {
      next = await build()
    } catch (error) {
      // Whatever went wrong, the server keeps serving the last good build.
      const failure = isSparkbaasError(error) ? error : new SparkbaasError('render_failed', `could not build the functions: ${(error as Error).message}`, { cause: error })
      emit({ type: 'build_failed', error: failure, files })
      return
    }
    const changed = model.functions.map((fn) => fn.name).filter((name) => next.bundles.get(name) !== current.bundles.get(name))
    if (stopping || (changed.length === 0 && alive)) {
      await rm(next.dir, { recursive: true, force: true })
      if (!stopping) emit({ type: 'unchanged', files })
      return
    }
    // The port can only be held by one runtime: the old one goes first (its in-flight requests finish).
    retired.add(runtime)
    await runtime.stop()
    try {
      runtime = await startRuntime({ dir: next.dir, port, host, ...output })
    } catch (error) {
      alive = false
      await rm(next.dir, { recursive: true, force: true })
      emit({ type: 'restart_failed', error: isSparkbaasError(error) ? error : new SparkbaasError('function_failed', String(error)) })
      return
    }
    alive = true
    watchExit(runtime)
    await rm(current.dir, { recursive: true, force: true })
    current = next
    emit({ type: 'reloaded', functions: changed.length > 0 ? changed : model.functions.map((fn) => fn.name), files })
  }
  const onChange = (files: string[]) => {
    if (stopping) return
    waiting.push(...files)
    if (rebuilding !== undefined) return
    const loop = async () => {
      while (waiting.length > 0 && !stopping) {
        const batch = [...new Set(waiting)].sort()
        waiting = []
        await rebuild(batch)
      }
      rebuilding = undefined
    }
    rebuilding = loop()
  }

  let watcher: FolderWatch | undefined
  if (options.watch !== false) {
    const folders = model.functions.map((fn) => fn.sourceDir)
    watcher = watchFolders(folders, options.debounceMs ?? 150, onChange, (error) => emit({ type: 'watch_failed', error }))
  }

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    functions: model.functions.map((fn) => fn.name),
    async stop() {
      if (stopping) return
      stopping = true
      watcher?.close()
      await rebuilding
      await runtime.stop()
      await rm(work, { recursive: true, force: true })
    },
  }
}
