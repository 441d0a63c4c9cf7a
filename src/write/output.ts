/**
 * Turns rendered files into the output folder: decides what changed, what goes, what stays, and writes it all
 * at once (atomic.ts). Also owns the two files no renderer makes:
 * - `.env`: never rendered wholesale. The existing file is kept byte for byte and missing keys are appended
 *   (secrets.ts); it is per-machine, so it is neither in the manifest nor compared by `--check`; mode 0600.
 * - `.gitignore`: keeps `.env` out of git (see {@link planGitignore}).
 *
 * A committed file whose bytes no longer have the manifest's hash was edited by hand since the last run: reported
 * in `handEdited`, and kept in the private folder before it is replaced (hand-edits.ts).
 */
import type { KeyObject } from 'node:crypto'
import { chmod, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ENV_FILE, KNOWN_SECRET_COPIES } from '../layout.js'
import type { EnvVar } from '../model/types.js'
import { header } from '../render/header.js'
import type { RenderedFile } from '../render/types.js'
import { writeAtomically, type StagedFile, type WriteHooks } from './atomic.js'
import { SparkbaasError } from '../errors.js'
import { checkRenderedFiles } from './check.js'
import { linkError, linkOnPath } from './links.js'
import { keepHandEdits } from './hand-edits.js'
import { MANIFEST_FILE, readManifest, renderManifest, sha256, type Manifest } from './manifest.js'
import { notOurs } from './out-dir.js'
import { ensureEnvWithKeys, startRsaKeys } from './secrets.js'
import { renderSecretCopy, type SecretCopy } from './secret-copies.js'
import { byCodePoint } from '../order.js'
import { mapConcurrently } from '../concurrent.js'

export { ENV_FILE }
export const GITIGNORE_FILE = '.gitignore'
const ENV_MODE = 0o600
const FILE_MODE = 0o644
/** Files read at once when comparing with what is on disk. */
const READ_CONCURRENCY = 32
/** Never deleted as leftovers: per-machine, or bookkeeping, or possibly the user's own. */
const NEVER_REMOVED = new Set([ENV_FILE, MANIFEST_FILE, GITIGNORE_FILE])

export interface WriteOutputOptions {
  readonly outDir: string
  /** The config file's name, for the `.gitignore` header. */
  readonly configFile: string
  /** The `.env` keys the stack needs. */
  readonly env: readonly EnvVar[]
  /** `write` changes disk; `dry-run` and `check` only report what `write` would do (`check` ignores `.env`). */
  readonly mode: 'write' | 'dry-run' | 'check'
  readonly hooks?: WriteHooks
  /** RSA keys for `.env`, started early by the caller ({@link prepareEnvKeys}); made here otherwise. */
  readonly rsaKeys?: Promise<KeyObject[]>
  /** Replace files that are on disk but not in the manifest (files sparkbaas did not write). */
  readonly force?: boolean
  /** The environment generated; recorded in the manifest, and a folder holding another one's output is refused. */
  readonly environment?: string
  /** How the output folder is shown in the `--check` diff (ending in a separator). @default `outDir` and `/` */
  readonly shownDir?: string
  /** Files that copy `.env` values (secret-copies.ts): written with `.env`, mode 0600, git-ignored. @default [] */
  readonly secretCopies?: readonly SecretCopy[]
}

export interface WriteReport {
  /** Files written (or, in dry-run and check mode, that would be), relative to the output folder, sorted. */
  readonly written: string[]
  readonly unchanged: string[]
  /** Leftovers of an earlier config, deleted (or that would be). */
  readonly removed: string[]
  /** Leftovers kept because they changed since sparkbaas wrote them. */
  readonly kept: string[]
  /** `.env` keys added (names only, never values). */
  readonly envAdded: string[]
  /** `.env` keys the stack no longer reads; left in place. */
  readonly envUnused: string[]
  /** An existing `.env` was readable by others and was (or would be) set to 0600. */
  readonly envModeFixed: boolean
  /**
   * Files replaced (or that would be) that were edited by hand since the last `generate`: their bytes are not the
   * ones its manifest records. `.env` never is (it is the user's, and never replaced).
   */
  readonly handEdited: string[]
  /**
   * Committed files only: differ on disk, absent on disk, left over from an earlier config. In check mode, when
   * any differs, `diff` shows how (drift-diff.ts): bounded, secrets of `.env` replaced by `[.env KEY]`.
   */
  readonly drift: { readonly stale: string[]; readonly missing: string[]; readonly extra: string[]; readonly diff?: string }
  readonly warnings: string[]
}

export async function writeOutput(rendered: readonly RenderedFile[], options: WriteOutputOptions): Promise<WriteReport> {
  const { outDir, mode } = options
  checkRenderedFiles(rendered)
  const warnings: string[] = []
  const warn = (message: string) => warnings.push(message)
  const previous = await readManifest(outDir, warn)
  if (previous.state === 'read' && previous.environment !== options.environment) throw otherEnvironment(outDir, previous.environment, options.environment)

  // The committed files: what the renderers made, the .gitignore, and the manifest of both.
  const committed = new Map<string, StagedFile>()
  for (const file of rendered) committed.set(file.path, { path: file.path, contents: file.contents, mode: file.mode ?? FILE_MODE })
  const secretCopies = options.secretCopies ?? []
  const gitignore = await planGitignore(outDir, options.configFile, previous, warn, await ignoredCopies(outDir, secretCopies))
  if (gitignore !== undefined) committed.set(GITIGNORE_FILE, { path: GITIGNORE_FILE, contents: gitignore, mode: FILE_MODE })
  const manifest = renderManifest(new Map([...committed.values()].map((f) => [f.path, f.contents])), options.environment)
  committed.set(MANIFEST_FILE, { path: MANIFEST_FILE, contents: manifest, mode: FILE_MODE })

  const toWrite: StagedFile[] = []
  const unchanged: string[] = []
  const stale: string[] = []
  const missing: string[] = []
  const handEdited: { path: string; bytes: Buffer }[] = []
  const files = [...committed.values()]
  const current = await mapConcurrently(files, READ_CONCURRENCY, (file) => readBytes(join(outDir, file.path)))
  const onDiskOf = new Map(files.map((file, index) => [file.path, current[index]]))
  for (const [index, file] of files.entries()) {
    const onDisk = current[index]
    if (onDisk !== undefined && onDisk.equals(Buffer.from(file.contents, 'utf8'))) {
      unchanged.push(file.path)
      continue
    }
    ;(onDisk === undefined ? missing : stale).push(file.path)
    toWrite.push(file)
    // .gitignore is merged, not replaced (planGitignore); the manifest does not list itself.
    const recorded = previous.files.get(file.path)
    if (onDisk !== undefined && recorded !== undefined && file.path !== GITIGNORE_FILE && sha256(onDisk) !== recorded) {
      handEdited.push({ path: file.path, bytes: onDisk })
    }
  }
  // Replacing a file sparkbaas did not write (not in the manifest) takes --force. An unreadable manifest was
  // warned about; .gitignore is merged, not replaced (planGitignore); the manifest is sparkbaas's by its name.
  if (mode !== 'check' && !options.force && previous.state !== 'unreadable') {
    const foreign = stale.filter((path) => !previous.files.has(path) && path !== GITIGNORE_FILE && path !== MANIFEST_FILE)
    if (foreign.length > 0) throw notOurs(outDir, foreign)
  }

  const removed: string[] = []
  const removedBytes = new Map<string, Buffer>()
  const kept: string[] = []
  const linkCache = new Map<string, ReturnType<typeof linkOnPath>>()
  for (const [path, hash] of previous.files) {
    if (committed.has(path) || NEVER_REMOVED.has(path)) continue
    // A link on the way (generated/x -> /elsewhere) would make this a deletion outside the output folder.
    const link = await linkOnPath(outDir, path, linkCache)
    if (link) throw linkError(link, outDir, { manifest: join(outDir, MANIFEST_FILE), path })
    const onDisk = await readBytes(join(outDir, path))
    if (onDisk === undefined) continue
    if (sha256(onDisk) === hash) {
      removed.push(path)
      if (mode === 'check') removedBytes.set(path, onDisk)
    } else {
      kept.push(path)
      warn(`${path} is no longer generated, but it changed since sparkbaas wrote it: kept. Delete it if you do not need it.`)
    }
  }

  let envAdded: string[] = []
  let envUnused: string[] = []
  let envModeFixed = false
  // .env may wait for RSA keys still being made (`rsaKeys`); the committed files are staged meanwhile.
  const envFile = async (): Promise<StagedFile[]> => {
    const envPath = join(outDir, ENV_FILE)
    const existing = await readBytes(envPath)
    const existingText = existing?.toString('utf8')
    const env = await ensureEnvWithKeys(options.env, existingText, options.rsaKeys)
    envAdded = [...env.added]
    envUnused = [...env.unused]
    for (const key of env.stale) {
      warn(`${ENV_FILE}: ${key} does not match the signing key it is derived from; delete its line to have it derived again.`)
    }
    if (existing !== undefined) envModeFixed = ((await stat(envPath)).mode & 0o777) !== ENV_MODE
    const staged: StagedFile[] = []
    if (env.text !== existingText) staged.push({ path: ENV_FILE, contents: env.text, mode: ENV_MODE })
    else unchanged.push(ENV_FILE)
    for (const copy of secretCopies) {
      const contents = renderSecretCopy(copy, env.values)
      const path = join(outDir, copy.path)
      const onDisk = await readBytes(path)
      // Rewritten when its mode is not 0600 either: the staged file gets the mode, an in-place chmod would not be atomic.
      if (onDisk !== undefined && onDisk.equals(Buffer.from(contents, 'utf8')) && ((await stat(path)).mode & 0o777) === ENV_MODE) unchanged.push(copy.path)
      else staged.push({ path: copy.path, contents, mode: ENV_MODE })
    }
    return staged
  }
  const env = mode === 'check' ? Promise.resolve([]) : envFile()

  if (mode === 'write') {
    await keepHandEdits(outDir, handEdited).catch((error: unknown) => {
      throw new SparkbaasError('write_failed', `Could not keep a copy of the files edited by hand in ${outDir}: ${(error as Error).message}. Nothing was changed.`, {
        cause: error,
      })
    })
    await writeAtomically(outDir, toWrite, options.hooks, env, removed)
  }
  const envWritten = await env
  const written = [...toWrite, ...envWritten].map((f) => f.path)
  if (mode === 'write') {
    // A rewritten .env was staged with 0600; an unchanged one is fixed in place.
    if (envModeFixed && !envWritten.some((f) => f.path === ENV_FILE)) await chmod(join(outDir, ENV_FILE), ENV_MODE)
  }

  const diff =
    mode === 'check' && stale.length + missing.length + removed.length > 0
      ? await driftDiff(outDir, options, {
          modified: stale.map((path) => ({ path, actual: onDiskOf.get(path)!, expected: committed.get(path)!.contents })),
          missing: missing.map((path) => ({ path, expected: committed.get(path)!.contents })),
          extra: removed.map((path) => ({ path, actual: removedBytes.get(path)! })),
        })
      : undefined

  return {
    written: sorted(written),
    unchanged: sorted(unchanged),
    removed: sorted(removed),
    kept: sorted(kept),
    envAdded,
    envUnused,
    envModeFixed,
    handEdited: sorted(handEdited.map((edit) => edit.path)),
    drift: { stale: sorted(stale), missing: sorted(missing), extra: sorted(removed), ...(diff === undefined ? {} : { diff }) },
    warnings,
  }
}

/**
 * The `--check` diff of the drifted files (drift-diff.ts, with jsdiff: imported only here, so an unchanged
 * `--check` never loads them). `.env` is read only for its secrets, kept out of the diff; it is never written.
 */
async function driftDiff(
  outDir: string,
  options: WriteOutputOptions,
  drift: {
    modified: { path: string; actual: Buffer | undefined; expected: string }[]
    missing: { path: string; expected: string }[]
    extra: { path: string; actual: Buffer }[]
  },
): Promise<string> {
  const { envSecrets, unifiedDrift } = await import('./drift-diff.js')
  const secrets = envSecrets((await readBytes(join(outDir, ENV_FILE)))?.toString('utf8'), options.env)
  return unifiedDrift(
    [
      ...drift.modified.map((f) => ({ path: f.path, kind: 'modified' as const, actual: f.actual?.toString('utf8') ?? '', expected: f.expected })),
      ...drift.missing.map((f) => ({ path: f.path, kind: 'missing' as const, expected: f.expected })),
      ...drift.extra.map((f) => ({ path: f.path, kind: 'extra' as const, actual: f.actual.toString('utf8') })),
    ],
    options.shownDir ?? `${outDir}/`,
    secrets,
  )
}

/**
 * Starts making the RSA keys the `.env` in `outDir` lacks, to hand to {@link writeOutput} later: key generation
 * is slow CPU work on libuv's threads, so started before bundling and rendering it runs alongside them.
 */
export function prepareEnvKeys(outDir: string, env: readonly EnvVar[], onStart?: (count: number) => void): Promise<KeyObject[]> {
  return readBytes(join(outDir, ENV_FILE)).then(
    (existing) => startRsaKeys(env, existing?.toString('utf8'), onStart),
    () => [],
  )
}

/**
 * `.env` must never be committed, so the output folder gets a `.gitignore` naming it, itself a committed,
 * generated file. A `.gitignore` that is not ours is respected: left alone when it already ignores `.env`,
 * else kept with `.env` appended (and a warning). Returns the contents to write, or undefined to leave it alone.
 */
async function planGitignore(
  outDir: string,
  configFile: string,
  previous: Manifest,
  warn: (m: string) => void,
  copies: readonly string[],
): Promise<string | undefined> {
  const secrets = [ENV_FILE, ...copies]
  const ours = `${header('#', configFile)}# Secrets and settings generated for this machine: never commit them.\n${secrets.map((path) => `${path}\n`).join('')}`
  const existing = (await readBytes(join(outDir, GITIGNORE_FILE)))?.toString('utf8')
  if (existing === undefined || existing === ours) return ours
  const recorded = previous.files.get(GITIGNORE_FILE)
  const wroteIt = recorded !== undefined && recorded === sha256(existing)
  // Ours from an earlier run (say, before the config file was renamed): regenerate it.
  if (wroteIt && existing.startsWith('# Generated by sparkbaas')) return ours
  const missing = secrets.filter((path) => !ignores(existing, path))
  if (missing.length === 0) return wroteIt ? existing : undefined
  warn(`${GITIGNORE_FILE} in ${outDir} did not ignore ${missing.join(' and ')}: added ${missing.length === 1 ? 'it' : 'them'}.`)
  return `${existing}${existing === '' || existing.endsWith('\n') ? '' : '\n'}${missing.map((path) => `${path}\n`).join('')}`
}

const ignores = (gitignore: string, path: string): boolean =>
  gitignore.split(/\r?\n/).some((line) => [path, `/${path}`].includes(line.trim()))

/**
 * The copies of `.env` the `.gitignore` must name: the ones this run writes, and any already on disk (a copy left
 * by an earlier config, say the Kubernetes target's before switching back to compose, stays ignored).
 */
async function ignoredCopies(outDir: string, copies: readonly SecretCopy[]): Promise<string[]> {
  const paths = new Set(copies.map((copy) => copy.path))
  for (const path of KNOWN_SECRET_COPIES) if ((await readBytes(join(outDir, path))) !== undefined) paths.add(path)
  return [...paths].sort(byCodePoint)
}

/** A file's bytes; undefined when absent. A folder where a file belongs reads as absent: the atomic writer's
 * preflight then refuses to write over it. */
async function readBytes(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined
    throw error
  }
}

const sorted = (items: readonly string[]): string[] => [...items].sort(byCodePoint)

const environmentName = (env: string | undefined) => (env === undefined ? 'the default environment' : `environment ${JSON.stringify(env)}`)

/** Each environment has its own folder and its own `.env`: one never writes over (or reads the secrets of) another's. */
function otherEnvironment(outDir: string, found: string | undefined, wanted: string | undefined): SparkbaasError {
  return new SparkbaasError(
    'write_failed',
    `${outDir} holds the stack of ${environmentName(found)}, not of ${environmentName(wanted)}: environments never share an output folder (nor the secrets in its .env). Nothing was changed.`,
    { hint: `Leave out --out so ${environmentName(wanted)} gets its own folder, or pass a folder of its own.` },
  )
}
