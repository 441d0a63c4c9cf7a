/**
 * All-or-nothing writes into the output folder. Every file is first written and fsynced into a staging folder
 * in the output folder's private `.sparkbaas/` (0700, git-ignored, removed on SIGINT / SIGTERM and, after a
 * SIGKILL, by the next run: private-dir.ts; same filesystem, so the moves are renames), and only when every one of them is on
 * disk are they moved into place, all or nothing (swap.ts): a failure, or a kill, at any point leaves the output
 * folder exactly as the previous run left it, or as this run leaves it, never a mix.
 *
 * Nothing is written through a symbolic link inside the output folder (links.ts).
 *
 * Files are replaced by rename rather than rewritten in place: the running stack bind-mounts the output's
 * sub-folders (./functions, ./keycloak, ./traefik), and a directory mount sees a renamed-in file at once, while
 * a reader never sees a half-written one.
 */
import { lstat, mkdir, open, readlink, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { mapConcurrently } from '../concurrent.js'
import { SparkbaasError } from '../errors.js'
import { linkError } from './links.js'
import { makeScratch, type Scratch } from './private-dir.js'
import { swapIntoPlace, SwapRolledBack, type SwapHooks } from './swap.js'

export interface StagedFile {
  /** Relative to the output folder, `/`-separated. */
  readonly path: string
  readonly contents: string
  readonly mode: number
}

/** Test seams: a hook that throws simulates a failing disk at that point. */
export interface WriteHooks extends SwapHooks {
  /** Called before the `index`-th file is staged. */
  readonly beforeStage?: (path: string, index: number) => void | Promise<void>
  /** Called once every file (`.env` included) is staged, before the first one moves; given the staging folder. */
  readonly beforeMove?: (staging: string) => void | Promise<void>
}

/**
 * Writes `files` into `outDir` (created if missing) and deletes `removals` (relative paths), all or nothing.
 *
 * `last` is a file still being made (`.env`, waiting for its RSA keys; with it, the files that copy its values, such
 * as `k8s/secrets.env`): `files` are staged meanwhile, and it is staged once it arrives, before anything moves. If it
 * rejects, nothing moves and its error is thrown as it is.
 */
export async function writeAtomically(
  outDir: string,
  files: readonly StagedFile[],
  hooks: WriteHooks = {},
  last: Promise<StagedFile | readonly StagedFile[] | undefined> = Promise.resolve(undefined),
  removals: readonly string[] = [],
): Promise<void> {
  // Awaited below in every case; this only keeps an early rejection from counting as unhandled meanwhile.
  last.catch(() => undefined)
  if (files.length === 0) {
    files = asList(await last)
    if (files.length === 0 && removals.length === 0) return
    last = Promise.resolve(undefined)
  }
  await preflight(outDir, files)
  let scratch: Scratch
  try {
    await mkdir(outDir, { recursive: true })
    scratch = await makeScratch(outDir, 'staging')
  } catch (error) {
    throw failed(outDir, error, 'Nothing was changed.')
  }
  const staging = scratch.path
  try {
    try {
      await stageAll(staging, files, hooks)
    } catch (error) {
      throw failed(outDir, error, 'Nothing was changed.')
    }
    const lastFiles = asList(await last)
    if (lastFiles.length > 0) {
      await preflight(outDir, lastFiles)
      try {
        await stageAll(staging, lastFiles, hooks, files.length)
      } catch (error) {
        throw failed(outDir, error, 'Nothing was changed.')
      }
      files = [...files, ...lastFiles]
    }
    await hooks.beforeMove?.(staging)
    try {
      await swapIntoPlace(
        outDir,
        staging,
        files.map((f) => f.path),
        removals,
        hooks,
      )
    } catch (error) {
      if (error instanceof SwapRolledBack) throw failed(outDir, error.cause, 'Nothing was changed: the files already replaced were put back.')
      throw failed(outDir, error, 'The next sparkbaas run puts the previous files back before anything else.')
    }
  } finally {
    await scratch.dispose()
  }
}

const asList = (last: StagedFile | readonly StagedFile[] | undefined): readonly StagedFile[] =>
  last === undefined ? [] : 'path' in last ? [last] : last

/**
 * Files written (and fsynced) into the staging folder at once: their waits for the disk overlap. Measured here
 * (a VM where creating a file costs ~1 ms), 2,000 files took ~2.2 s instead of ~2.5–4.5 s one after another.
 */
const STAGE_CONCURRENCY = 32

/**
 * Writes every file into `staging`, `STAGE_CONCURRENCY` at a time. The hook is called in file order before each
 * write starts, so a hook that throws at file `i` leaves exactly the files before it staged. On any failure the
 * writes already running are awaited before rejecting, so the caller can remove the staging folder safely.
 */
async function stageAll(staging: string, files: readonly StagedFile[], hooks: WriteHooks, firstIndex = 0): Promise<void> {
  const running = new Set<Promise<void>>()
  let failure: { error: unknown } | undefined
  try {
    for (const [offset, file] of files.entries()) {
      if (failure) break
      const index = firstIndex + offset
      await hooks.beforeStage?.(file.path, index)
      const write: Promise<void> = writeDurably(join(staging, String(index)), file.contents, file.mode)
        .catch((error: unknown) => void (failure ??= { error }))
        .finally(() => running.delete(write))
      running.add(write)
      if (running.size >= STAGE_CONCURRENCY) await Promise.race(running)
    }
  } finally {
    // Each write catches its own error, so this never rejects.
    await Promise.all(running)
  }
  if (failure) throw failure.error
}

/**
 * Catches, before anything is written, what would make a move fail: a folder where a file goes, or a file
 * where a folder goes. Renames over an existing file are fine.
 */
async function preflight(outDir: string, files: readonly StagedFile[]): Promise<void> {
  const checkedDirs = new Set<string>()
  const dirs = [outDir]
  for (const file of files) {
    const parts = file.path.split('/')
    for (let i = 1; i < parts.length; i++) dirs.push(join(outDir, ...parts.slice(0, i)))
  }
  for (const dir of dirs) checkedDirs.add(dir)
  // Looked at concurrently (2,000 files one after another took ~0.5 s here); the first problem in order is reported.
  await mapConcurrently([...checkedDirs], STAT_CONCURRENCY, async (dir) => {
    // The output folder itself may be a link (the user chose where it lives); nothing below it may be.
    const found = await statOrUndefined(dir, dir === outDir ? stat : lstat)
    if (found?.isSymbolicLink()) throw linkError({ at: dir, to: await readlink(dir) }, outDir)
    if (found && !found.isDirectory()) {
      throw new SparkbaasError('write_failed', `Cannot write into ${dir}: it is a file, not a folder. Nothing was changed.`, {
        hint: 'Move or delete it, then run `sparkbaas generate` again.',
      })
    }
  })
  await mapConcurrently(files, STAT_CONCURRENCY, async (file) => {
    const target = join(outDir, file.path)
    const found = await statOrUndefined(target, lstat)
    if (found?.isSymbolicLink()) throw linkError({ at: target, to: await readlink(target) }, outDir)
    if (found?.isDirectory()) {
      throw new SparkbaasError('write_failed', `Cannot write ${target}: a folder is in the way. Nothing was changed.`, {
        hint: 'Move or delete the folder, then run `sparkbaas generate` again.',
      })
    }
  })
}

const STAT_CONCURRENCY = 32

async function statOrUndefined(path: string, fn: typeof stat) {
  try {
    return await fn(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

async function writeDurably(path: string, contents: string, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode)
  try {
    await handle.writeFile(contents, 'utf8')
    // open's mode is filtered through the umask; the mode given is the one the file must have (.env: 0600).
    await handle.chmod(mode)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

function failed(outDir: string, error: unknown, outcome: string): SparkbaasError {
  const message = error instanceof Error ? error.message : String(error)
  return new SparkbaasError('write_failed', `Could not write ${outDir}: ${message}. ${outcome}`, { cause: error })
}
