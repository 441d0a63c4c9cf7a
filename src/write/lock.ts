/**
 * One sparkbaas process at a time per project: `generate`, `migrate up`, `backup` and `restore` hold a lock on the
 * output folder while they run, so two runs never mix their files nor race on one database.
 *
 * The lock is a file `<out>/.sparkbaas/lock-<pid>-<random>.json` per contender. A run creates its own, then lists
 * the folder: alone, it holds the lock; else it removes its file and tries again until a deadline. Two runs cannot
 * both find themselves alone, since each creates its file before it looks. A file whose pid is no longer alive
 * (a run killed with SIGKILL) is stale and removed by whoever finds it: only its own process could have made it, so
 * removing it never takes a live lock away. No lock library fits this (proper-lockfile, say, judges staleness by
 * age and does not say who holds the lock), and this needs no dependency.
 */
import { randomBytes } from 'node:crypto'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SparkbaasError } from '../errors.js'
import { ensurePrivateDir, isAlive, removeLeftScratch, removeOnSignal } from './private-dir.js'
import { recoverSwaps } from './swap.js'

const LOCK = /^lock-(\d+)-[0-9a-f]{8}\.json$/

export interface LockOptions {
  /** What this run is, for the message another run prints: `sparkbaas generate`. */
  readonly command: string
  /** How long to wait for another run to finish. @default 30000, or SPARKBAAS_LOCK_TIMEOUT_MS */
  readonly timeoutMs?: number
  /** Told when a swap a killed run left half done was rolled back. */
  readonly warn?: (message: string) => void
}

export interface FolderLock {
  release(): Promise<void>
}

interface Holder {
  readonly pid: number
  readonly command?: string
  readonly startedAt?: string
  readonly file: string
}

/**
 * Takes the lock on `dir` (created if missing), waiting up to `timeoutMs` for another run to finish, then rolls
 * back a swap a killed run left half done and removes the scratch folders killed runs left there. Throws `locked` naming the other process when the wait runs out.
 */
export async function lockFolder(dir: string, options: LockOptions): Promise<FolderLock> {
  const timeoutMs = options.timeoutMs ?? defaultTimeout()
  const privateDir = await ensurePrivateDir(dir)
  const own = join(privateDir, `lock-${process.pid}-${randomBytes(4).toString('hex')}.json`)
  const info = `${JSON.stringify({ pid: process.pid, command: options.command, startedAt: new Date().toISOString() })}\n`
  const deadline = Date.now() + timeoutMs
  for (let attempt = 0; ; attempt++) {
    await writeFile(own, info, { flag: 'wx', mode: 0o600 })
    const unregister = removeOnSignal(own)
    const others = await otherHolders(privateDir, own)
    if (others.length === 0) {
      // A run killed mid-swap left the output half old, half new: put it back before anything reads it (swap.ts).
      if ((await recoverSwaps(dir)).length > 0) {
        options.warn?.(`A sparkbaas run was killed while replacing files in ${dir}: the files it had replaced were put back, so the folder is as the run before it left it.`)
      }
      await removeLeftScratch(dir)
      return {
        async release() {
          unregister()
          await rm(own, { force: true })
        },
      }
    }
    unregister()
    await rm(own, { force: true })
    if (Date.now() >= deadline) throw busy(dir, others[0]!, timeoutMs)
    // Jittered, so two runs that keep meeting stop meeting.
    await new Promise((done) => setTimeout(done, Math.min(50 + attempt * 25, 250) + Math.random() * 50))
  }
}

/** Runs `task` holding the lock on `dir`. */
export async function withFolderLock<T>(dir: string, options: LockOptions, task: () => Promise<T>): Promise<T> {
  const lock = await lockFolder(dir, options)
  try {
    return await task()
  } finally {
    await lock.release()
  }
}

/** The other lock files of live processes, oldest pid first; stale ones are removed on the way. */
async function otherHolders(privateDir: string, own: string): Promise<Holder[]> {
  const holders: Holder[] = []
  for (const name of await readdir(privateDir)) {
    const match = LOCK.exec(name)
    const file = join(privateDir, name)
    if (!match || file === own) continue
    const pid = Number(match[1])
    if (!isAlive(pid)) {
      await rm(file, { force: true })
      continue
    }
    // The file may be empty for an instant (just created): the pid in its name is what counts.
    const details = await readFile(file, 'utf8').then(
      (text) => JSON.parse(text) as { command?: unknown; startedAt?: unknown },
      () => ({}) as { command?: unknown; startedAt?: unknown },
    )
    holders.push({
      pid,
      file,
      ...(typeof details.command === 'string' ? { command: details.command } : {}),
      ...(typeof details.startedAt === 'string' ? { startedAt: details.startedAt } : {}),
    })
  }
  return holders.sort((a, b) => a.pid - b.pid)
}

function busy(dir: string, holder: Holder, timeoutMs: number): SparkbaasError {
  const what = holder.command === undefined ? '' : ` (\`${holder.command}\`${holder.startedAt === undefined ? '' : `, started ${holder.startedAt}`})`
  return new SparkbaasError(
    'locked',
    `Another sparkbaas run, process ${holder.pid}${what}, is working on ${dir}; waited ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`} for it. Nothing was changed.`,
    {
      hint: `Let it finish and run this again. If process ${holder.pid} is not sparkbaas (its pid was reused), delete ${holder.file}.`,
    },
  )
}

function defaultTimeout(): number {
  const fromEnv = Number(process.env.SPARKBAAS_LOCK_TIMEOUT_MS)
  return Number.isFinite(fromEnv) && fromEnv >= 0 ? fromEnv : 30_000
}
