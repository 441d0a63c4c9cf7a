/**
 * `.sparkbaas/`: the private folder sparkbaas keeps inside a folder it writes to (the output folder, the backups
 * folder). It holds what must never be read by others nor committed: the staging folder of a `generate` (the new
 * `.env` with its passwords and RSA keys), a backup's dumps before they are packed, a restore's unpacked archive,
 * the lock files (lock.ts), and the last version of each generated file edited by hand (hand-edits.ts).
 *
 * - Mode 0700, and every scratch folder in it 0700 too (mkdtemp's), so nothing in it is readable by others.
 * - It holds a `.gitignore` of `*`: git ignores the folder whole (that file included) from the moment it exists,
 *   before the output's own `.gitignore` is written.
 * - A scratch folder is named `<kind>-<pid>-<random>`: removed when its run ends, at once on SIGINT / SIGTERM, and,
 *   when the run was killed outright (SIGKILL, power loss), by the next run once that pid is no longer alive.
 *   Nothing else is ever deleted.
 */
import { rmSync } from 'node:fs'
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SparkbaasError } from '../errors.js'

export const PRIVATE_DIR = '.sparkbaas'
export type ScratchKind = 'staging' | 'backup' | 'restore'
const SCRATCH = /^(staging|backup|restore)-(\d+)-[A-Za-z0-9]{6}$/

/** Creates (or checks) `<base>/.sparkbaas`, mode 0700, with its `.gitignore`. Returns its path. */
export async function ensurePrivateDir(base: string): Promise<string> {
  const dir = join(base, PRIVATE_DIR)
  const baseInfo = await stat(base).catch(() => undefined)
  if (baseInfo !== undefined && !baseInfo.isDirectory()) {
    throw new SparkbaasError('write_failed', `Cannot write into ${base}: it is a file, not a folder. Nothing was changed.`, {
      hint: 'Move or delete it, then run the command again.',
    })
  }
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const info = await lstat(dir)
  if (!info.isDirectory() || (typeof process.getuid === 'function' && info.uid !== process.getuid())) {
    throw new SparkbaasError('write_failed', `${dir} is not a folder of this user; sparkbaas keeps its private files there.`, {
      hint: 'Move it away, then run the command again.',
    })
  }
  if ((info.mode & 0o777) !== 0o700) await chmod(dir, 0o700)
  await writeFile(join(dir, '.gitignore'), '*\n', { flag: 'wx', mode: 0o600 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error
  })
  return dir
}

export interface Scratch {
  readonly path: string
  /** Removes the folder (and stops watching for signals on its behalf). */
  dispose(): Promise<void>
}

/** A fresh 0700 folder `<base>/.sparkbaas/<kind>-<pid>-XXXXXX`, removed on SIGINT / SIGTERM until disposed. */
export async function makeScratch(base: string, kind: ScratchKind): Promise<Scratch> {
  const dir = await ensurePrivateDir(base)
  const path = await mkdtemp(join(dir, `${kind}-${process.pid}-`))
  const unregister = removeOnSignal(path)
  return {
    path,
    async dispose() {
      unregister()
      await rm(path, { recursive: true, force: true })
    },
  }
}

/**
 * Removes the scratch folders in `<base>/.sparkbaas` left by runs that were killed: only names of the form
 * sparkbaas gives them, and only when their pid is no longer alive. Returns the names removed.
 */
export async function removeLeftScratch(base: string): Promise<string[]> {
  const dir = join(base, PRIVATE_DIR)
  const names = await readdir(dir).catch(() => [] as string[])
  const removed: string[] = []
  for (const name of names) {
    const match = SCRATCH.exec(name)
    if (!match || isAlive(Number(match[2]))) continue
    await rm(join(dir, name), { recursive: true, force: true })
    removed.push(name)
  }
  return removed.sort()
}

/** Whether a process with this pid exists on this machine (EPERM: it exists, but is someone else's). */
export function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']
const onSignal = new Set<string>()
/** Open {@link deferSignals} sections, and the signal that arrived during one. */
let holds = 0
let pending: NodeJS.Signals | undefined

const listening = () => onSignal.size > 0 || holds > 0
function listen(): void {
  if (!listening()) for (const signal of SIGNALS) process.on(signal, cleanUpAndReraise)
}
function stopListening(): void {
  if (!listening()) for (const signal of SIGNALS) process.off(signal, cleanUpAndReraise)
}

/**
 * Registers `path` to be removed, synchronously, when SIGINT or SIGTERM arrives. When no other listener handles
 * the signal, it is then raised again with the default action, so the process ends as it would have (exit status
 * 130 / 143 at a shell). Returns the unregister function.
 */
export function removeOnSignal(path: string): () => void {
  listen()
  onSignal.add(path)
  return () => {
    onSignal.delete(path)
    stopListening()
  }
}

/**
 * Holds SIGINT / SIGTERM back until the returned function is called: for a step that must not stop half-way (the
 * renames of a swap, which take milliseconds). A signal that arrived meanwhile is acted on then.
 */
export function deferSignals(): () => void {
  listen()
  holds++
  let done = false
  return () => {
    if (done) return
    done = true
    holds--
    const signal = pending
    if (holds === 0 && signal !== undefined) {
      pending = undefined
      cleanUpAndReraise(signal)
      return
    }
    stopListening()
  }
}

function cleanUpAndReraise(signal: NodeJS.Signals): void {
  if (holds > 0) {
    pending ??= signal
    return
  }
  for (const path of onSignal) rmSync(path, { recursive: true, force: true })
  onSignal.clear()
  for (const s of SIGNALS) process.off(s, cleanUpAndReraise)
  // Someone else (a child process being waited for) handles it and ends the run; otherwise end as by default.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}
