/**
 * `sparkbaas generate` as a library call: load → check → resolve → bundle functions → render → write.
 * Rendering happens entirely in memory and is checked before anything touches disk (src/write/).
 */
import { existsSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { buildFunctions } from './build/functions.js'
import { checkLoaded, loadAndCheck, type CheckedConfig } from './config/load-and-check.js'
import { configNotes } from './config/notes.js'
import { kubernetesNames } from './config/validate-kubernetes.js'
import { SparkbaasError, type Problem } from './errors.js'
import { DEFAULT_OUT_DIR, K8S_SECRETS_ENV, outDirName } from './layout.js'
import { kubernetesSecretKeys } from './render/kubernetes/index.js'
import { MIGRATIONS_DIR, type MigrationFile } from './migrate/files.js'
import { scriptMigrations } from './migrate/script.js'
import { resolveModel } from './model/resolve.js'
import type { StackModel } from './model/types.js'
import { renderAllWhileBundling } from './render/index.js'
import type { WriteHooks } from './write/atomic.js'
import { handEditWarning, shown } from './write/hand-edits.js'
import { withFolderLock } from './write/lock.js'
import { readManifest, sha256 } from './write/manifest.js'
import { checkOutDir } from './write/out-dir.js'
import { prepareEnvKeys, writeOutput, type WriteReport } from './write/output.js'

export interface GenerateOptions {
  /** Where the config search starts; relative `configFile` and `outDir` start here. @default process.cwd() */
  cwd?: string
  /** The config file to load instead of searching; with `config`, the path it is taken to live at. */
  configFile?: string
  /**
   * A config value to use instead of loading a file (the same shape as `sparkbaas.config.json`). Needs
   * `configFile`: relative paths in the config (function sources, the out dir) start at its folder.
   */
  config?: unknown
  /**
   * The environment to generate: its overlay in `environments` is laid over the config. `undefined` is the default
   * environment, the config as written. (The CLI reads `--env`, then `SPARKBAAS_ENV`; the library reads neither.)
   */
  env?: string
  /**
   * What to write, over the config's (and its environment's) `target`: the compose stack, or Kubernetes manifests
   * in `k8s/`.
   */
  target?: 'compose' | 'kubernetes'
  /** Output folder. @default `generated` beside the config file; `generated.<env>` for an environment */
  outDir?: string
  /** Write nothing; report committed files that differ from what would be generated (`.env` is not compared). */
  check?: boolean
  /** Write nothing; report what would change. */
  dryRun?: boolean
  /**
   * Write into a folder that holds files sparkbaas did not write, replacing those with the names it writes.
   * Never allows the filesystem root or the config file's own folder.
   */
  force?: boolean
  /** Called when RSA keys for `.env` start being made (a first run: one per realm, 100–300 ms of CPU each). */
  onRsaKeys?: (count: number) => void
  /** @internal Test seams for the writer. */
  hooks?: WriteHooks
  /** @internal How long to wait for another run holding the output folder (lock.ts). */
  lockTimeoutMs?: number
}

export interface GenerateResult extends WriteReport {
  /** Absolute output folder. */
  readonly outDir: string
  /** Absolute config file path. */
  readonly configFile: string
  /** The environment generated; `undefined` for the default one. */
  readonly environment: string | undefined
  readonly mode: 'write' | 'dry-run' | 'check'
  /**
   * What the config may do but probably should not (an unpinned image), apart from `warnings`, which are about the
   * output folder: `up` says these itself on every run, generated or not.
   */
  readonly configWarnings: readonly Problem[]
  /** Whether the committed output matches the config (always true after a write). */
  readonly upToDate: boolean
  /** Number of compose services. */
  readonly services: number
  readonly routes: { readonly url: string }[]
}

export { DEFAULT_OUT_DIR }

export async function generate(options: GenerateOptions = {}): Promise<GenerateResult> {
  if (options.check && options.dryRun) {
    throw new SparkbaasError('usage', '--check and --dry-run cannot be used together.', {
      hint: '--check already writes nothing; it exits 1 when the output is stale.',
    })
  }
  const cwd = resolve(options.cwd ?? process.cwd())
  const obtained = await obtainConfig(options, cwd)
  const { filepath, configDir, warnings: configWarnings, environment } = obtained
  const config = options.target === undefined ? obtained.config : { ...obtained.config, target: options.target }
  // The config was checked for its own target; one chosen here needs its own names checked.
  const targetProblems = options.target === undefined || options.target === obtained.config.target ? [] : kubernetesNames(config)
  if (targetProblems.length > 0) {
    throw new SparkbaasError('config_invalid', `${filepath} cannot be generated for target ${JSON.stringify(config.target)} (${targetProblems.length === 1 ? '1 problem' : `${targetProblems.length} problems`}):`, {
      problems: targetProblems,
    })
  }
  const model = resolveModel(config, { configFile: filepath })
  // The Kubernetes target applies migrations/ with a Job (compose has `sparkbaas migrate up`). Read, and refused
  // when the Job could not run them, before anything is touched.
  const migrations = model.target === 'kubernetes' ? await scriptMigrations(join(configDir, MIGRATIONS_DIR)) : []
  const outDir = options.outDir === undefined ? join(configDir, outDirName(environment)) : resolve(cwd, options.outDir)
  const mode = options.check ? 'check' : options.dryRun ? 'dry-run' : 'write'
  // Before the lock, which makes `.sparkbaas/` in the folder: a refused folder is left as it was.
  if (mode !== 'check') await checkOutDir(outDir, filepath, options.force === true)
  // A write holds the output folder from reading what is there to the last rename: a second run waits (lock.ts).
  // --check and --dry-run only read, and may run where nothing can be written.
  const run = async () => ({ ...(await generateLocked(options, { outDir, mode, model, migrations, filepath, configDir, cwd, environment })), configWarnings })
  // Notes on the config itself (nothing routed) come first among the writer's warnings.
  const notes = configNotes(config)
  const withNotes = (result: GenerateResult): GenerateResult => (notes.length === 0 ? result : { ...result, warnings: [...notes, ...result.warnings] })
  if (mode !== 'write') return withNotes(await run())
  const recovered: string[] = []
  const result = await withFolderLock(
    outDir,
    { command: 'sparkbaas generate', warn: (m) => recovered.push(m), ...(options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs }) },
    run,
  )
  return withNotes(recovered.length === 0 ? result : { ...result, warnings: [...recovered, ...result.warnings] })
}

async function generateLocked(
  options: GenerateOptions,
  {
    outDir,
    mode,
    model,
    migrations,
    filepath,
    configDir,
    cwd,
    environment,
  }: { outDir: string; mode: GenerateResult['mode']; model: StackModel; migrations: readonly MigrationFile[]; filepath: string; configDir: string; cwd: string; environment: string | undefined },
): Promise<Omit<GenerateResult, 'configWarnings'>> {
  // `--check` never touches .env; otherwise its missing RSA keys are made while esbuild and the renderers work.
  const rsaKeys = mode === 'check' ? undefined : prepareEnvKeys(outDir, model.env, options.onRsaKeys)
  const verified = await previouslyWritten(outDir)
  const blueprintsDir = join(configDir, 'blueprints')
  // The build cache lives in the output's private folder; only a write keeps what this run built.
  const bundles = buildFunctions(model, { cache: { outDir, write: mode === 'write' } })
  const files = await renderAllWhileBundling(model, { blueprintsDir, verified, migrations }, bundles)

  const report = await writeOutput(files, {
    outDir,
    configFile: model.configFile,
    env: model.env,
    mode,
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ...(rsaKeys ? { rsaKeys } : {}),
    force: options.force === true,
    ...(environment === undefined ? {} : { environment }),
    shownDir: shown(outDir, cwd),
    // The Kubernetes target's Secret is made by kustomize from a copy of the .env values its manifests read.
    ...(model.target === 'kubernetes' && model.kubernetes.secret.generated ? { secretCopies: [{ path: K8S_SECRETS_ENV, keys: kubernetesSecretKeys(model) }] } : {}),
  })
  const { stale, missing, extra } = report.drift
  const blueprintOf = new Map(files.map((file) => [file.path, file.blueprint]))
  const handEdits =
    mode === 'check'
      ? []
      : report.handEdited.map((path) =>
          handEditWarning(
            { path, blueprint: blueprintOf.get(path) },
            { mode, outDir, blueprintsDir, configName: basename(filepath), cwd, overridden: (name) => existsSync(join(blueprintsDir, name)) },
          ),
        )
  return {
    ...report,
    warnings: [...report.warnings, ...handEdits],
    outDir,
    configFile: filepath,
    environment,
    mode,
    upToDate: mode === 'write' || stale.length + missing.length + extra.length === 0,
    services: model.services.length,
    routes: model.routes.map((route) => ({ url: route.url })),
  }
}

/**
 * Whether rendered bytes are what the last `generate` wrote into `outDir` (its manifest's hash), so the renderer
 * need not parse them back again. An unreadable manifest verifies nothing; writeOutput warns about it.
 */
async function previouslyWritten(outDir: string): Promise<(path: string, contents: string) => boolean> {
  const { files } = await readManifest(outDir, () => {})
  return (path, contents) => files.get(path) === sha256(contents)
}

async function obtainConfig(options: GenerateOptions, cwd: string): Promise<CheckedConfig> {
  if (options.config === undefined) {
    return loadAndCheck({
      cwd,
      ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
      ...(options.env === undefined ? {} : { env: options.env }),
    })
  }
  if (options.configFile === undefined) {
    throw new SparkbaasError('usage', 'generate({ config }) needs configFile: the path the config is taken to live at.')
  }
  const filepath = resolve(cwd, options.configFile)
  return checkLoaded(options.config, filepath, resolve(filepath, '..'), options.env)
}
