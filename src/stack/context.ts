/**
 * What every stack command starts from: the checked config, its model, the output folder, and the values compose
 * will read from `.env`. Loading stays here so `down`, `status` and `logs` never load the renderers.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { checkLoaded } from '../config/load-and-check.js'
import { loadConfig } from '../config/load.js'
import type { ComposeProject } from '../engine/compose.js'
import { COMPOSE_FILE, DEFAULT_OUT_DIR, ENV_FILE, outDirName } from '../layout.js'
import { SparkbaasError, type Problem } from '../errors.js'
import { resolveModel } from '../model/resolve.js'
import type { StackModel } from '../model/types.js'
import { DotenvSyntaxError, dotenvValues, parseDotenv } from '../write/dotenv.js'

export { DEFAULT_OUT_DIR }

export interface StackOptions {
  /** Where the config search starts; relative `configFile` and `outDir` start here. @default process.cwd() */
  readonly cwd?: string
  readonly configFile?: string
  /** The environment to operate: its overlay is applied, its folder used. `undefined`: the default environment. */
  readonly env?: string
  /** @default `generated` beside the config file; `generated.<env>` for an environment */
  readonly outDir?: string
}

export interface Stack extends ComposeProject {
  readonly model: StackModel
  /** The config as loaded, before checking: what `generate({ config })` takes, so the file is loaded once. */
  readonly config: unknown
  /** The environment operated (pass it to `generate` with `config`); `undefined` for the default one. */
  readonly env: string | undefined
  /** Absolute path of the config file. */
  readonly configFile: string
  readonly cwd: string
  /** The config's warnings (an unpinned image); `up` prints them. */
  readonly warnings: readonly Problem[]
}

export async function openStack(options: StackOptions = {}): Promise<Stack> {
  const cwd = resolve(options.cwd ?? process.cwd())
  const env = options.env
  const loaded = await loadConfig({ cwd, ...(options.configFile === undefined ? {} : { configFile: options.configFile }), ...(env === undefined ? {} : { env }) })
  const checked = checkLoaded(loaded.config, loaded.filepath, loaded.configDir, env)
  const model = resolveModel(checked.config, { configFile: checked.filepath })
  const outDir = options.outDir === undefined ? join(checked.configDir, outDirName(env)) : resolve(cwd, options.outDir)
  return { model, config: loaded.config, env, configFile: loaded.filepath, cwd, project: model.project, outDir, warnings: checked.warnings }
}

/** A path in a message: relative when it is below the folder the command runs in, as the user would type it. */
export function displayPath(stack: Stack, file: string): string {
  const rel = relative(stack.cwd, file)
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel
}

/**
 * The commands that run the compose stack (up, down, status, logs, migrate, backup, …) have nothing to run on the
 * Kubernetes target: say what to use instead rather than that docker-compose.yml is missing.
 */
export function requireComposeTarget(stack: Stack): void {
  if (stack.model.target !== 'kubernetes') return
  const where = stack.env === undefined ? 'its config sets' : `its environment ${JSON.stringify(stack.env)} sets`
  throw new SparkbaasError('usage', `Stack ${stack.model.project} runs on Kubernetes (${where} target: "kubernetes"): this command runs the compose stack, which is not generated for it.`, {
    hint:
      'On the cluster use `sparkbaas k8s apply` (its migrations Job applies migrations/) and `sparkbaas k8s status`, and kubectl for the rest ' +
      `(\`kubectl -n ${stack.model.kubernetes.namespace} get pods\`, \`kubectl -n ${stack.model.kubernetes.namespace} logs <pod>\`). To run the stack here too, use an environment with target: "compose" (--env).`,
  })
}

/** Commands other than `up` run compose on the output as it is; it must exist. */
export function requireGenerated(stack: Stack): void {
  requireComposeTarget(stack)
  const missing = [COMPOSE_FILE, ENV_FILE].filter((file) => !existsSync(join(stack.outDir, file)))
  if (missing.length === 0) return
  throw new SparkbaasError('not_generated', `${displayPath(stack, join(stack.outDir, missing[0]!))} does not exist: the stack has not been generated there.`, {
    hint: 'Run `sparkbaas up` (it generates first) or `sparkbaas generate`.',
  })
}

/** Reads a value the way compose interpolates it: the shell's environment first, then `.env`. */
export type EnvLookup = (key: string) => string | undefined

export async function readStackEnv(stack: Stack): Promise<EnvLookup> {
  const file = join(stack.outDir, ENV_FILE)
  let values: Map<string, string | undefined>
  try {
    values = dotenvValues(parseDotenv(await readFile(file, 'utf8')))
  } catch (error) {
    if (error instanceof DotenvSyntaxError) {
      throw new SparkbaasError('env_invalid', `${displayPath(stack, file)} cannot be read: ${error.message}.`, { hint: 'Fix that line; compose reads the file the same way.', cause: error })
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') requireGenerated(stack)
    throw error
  }
  return (key) => process.env[key] ?? values.get(key) ?? undefined
}
