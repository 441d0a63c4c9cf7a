/**
 * The swap: moving a fully staged output into place so that the output folder ends up holding either every file
 * of the previous run or every file of this one, never a mix, whatever stops the run.
 *
 * 1. The staging folder (every new file written and fsynced, atomic.ts) gets a journal: which staged file goes
 *    where, which leftovers go, which folders get made. Then the staging folder is renamed to
 *    `.sparkbaas/swap-<pid>-<random>`: from that rename on, the swap is "started" for whoever looks.
 * 2. Each file: the current one (if any) is hard-linked into the swap folder as `old-<i>` (a copy where links are
 *    not allowed), then the new one is renamed over it. A leftover is renamed into the swap folder as `gone-<j>`.
 *    The target never disappears: a running stack that reads it sees the old bytes or the new ones.
 * 3. Done: the journal is deleted (the commit point), then the swap folder.
 *
 * When a step of 2 fails (a read-only folder, a full disk, a test hook), the swap is rolled back at once: every
 * file is put back from `old-<i>`, every new one removed, every leftover put back. When the run is killed
 * (SIGKILL, power loss) the next sparkbaas run that takes the lock finds the journal and rolls back the same way
 * before it does anything else ({@link recoverSwaps}). Rolled back, not forward: the old state is the one a run
 * finished and reported, it can always be restored (its files are in the swap folder, on the same filesystem),
 * and one code path then serves both a failure and a kill; the next `generate` writes the new state again.
 * Every rollback step looks at what is on disk, so a rollback that is itself interrupted is simply run again.
 * SIGINT and SIGTERM wait for the renames to end (private-dir.ts).
 */
import { randomBytes } from 'node:crypto'
import { copyFile, link, lstat, mkdir, open, readdir, readFile, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { isSafeRelativePath } from './check.js'
import { deferSignals, isAlive, PRIVATE_DIR } from './private-dir.js'

const SWAP = /^swap-(\d+)-[0-9a-f]{12}$/
const JOURNAL = 'journal.json'

interface Journal {
  readonly version: 1
  /** `<swap>/<i>` goes to `files[i]` (relative to the output folder). */
  readonly files: readonly string[]
  /** Leftovers deleted: `removals[j]` is moved to `<swap>/gone-<j>`. */
  readonly removals: readonly string[]
  /** Folders the swap creates, shallowest first. */
  readonly dirs: readonly string[]
}

export interface SwapHooks {
  /** Called before the `index`-th staged file moves into place. */
  readonly beforeRename?: (path: string, index: number) => void | Promise<void>
}

/** Thrown when the swap failed and was rolled back: nothing changed. `cause` is what failed. */
export class SwapRolledBack extends Error {}

/**
 * Moves `<staging>/<i>` to `<outDir>/<files[i]>` for every i and deletes `removals`, all or nothing (see above).
 * The staging folder is consumed. Returns the folders written into (for fsync).
 */
export async function swapIntoPlace(outDir: string, staging: string, files: readonly string[], removals: readonly string[], hooks: SwapHooks = {}): Promise<void> {
  const privateDir = join(outDir, PRIVATE_DIR)
  const swap = join(privateDir, `swap-${process.pid}-${randomBytes(6).toString('hex')}`)
  const journal: Journal = { version: 1, files, removals, dirs: await missingDirs(outDir, files) }
  const release = deferSignals()
  try {
    try {
      await writeDurably(join(staging, JOURNAL), `${JSON.stringify(journal)}\n`)
      await rename(staging, swap)
    } catch (error) {
      throw new SwapRolledBack(error instanceof Error ? error.message : String(error), { cause: error })
    }
    await syncDir(privateDir)
    const touched = new Set<string>()
    try {
      for (const dir of journal.dirs) await mkdir(join(outDir, dir))
      for (const [index, path] of files.entries()) {
        await hooks.beforeRename?.(path, index)
        const target = join(outDir, path)
        await keepOld(target, join(swap, `old-${index}`))
        await rename(join(swap, String(index)), target)
        touched.add(dirname(target))
      }
      for (const [index, path] of removals.entries()) {
        const target = join(outDir, path)
        await rename(target, join(swap, `gone-${index}`)).catch(ignore('ENOENT'))
        touched.add(dirname(target))
      }
      // The renames are durable only once each folder's entry is (best effort: not every filesystem allows it).
      for (const dir of touched) await syncDir(dir)
    } catch (error) {
      await rollBack(outDir, swap, journal)
      await rm(swap, { recursive: true, force: true })
      throw new SwapRolledBack(error instanceof Error ? error.message : String(error), { cause: error })
    }
    // The commit point: from here on the swap is done, whatever happens next.
    await unlink(join(swap, JOURNAL))
    await syncDir(swap)
    // Tidying only: a swap folder left without its journal is removed by the next run (recoverSwaps).
    await rm(swap, { recursive: true, force: true }).catch(() => undefined)
    await removeEmptied(outDir, removals)
  } finally {
    release()
  }
}

/**
 * Rolls back every swap in `<outDir>/.sparkbaas` whose run is no longer alive (killed mid-swap) and removes it;
 * a swap past its commit point (no journal) is only removed. Returns the names of those rolled back.
 * Call it holding the folder's lock, before anything else reads or writes the output.
 */
export async function recoverSwaps(outDir: string): Promise<string[]> {
  const privateDir = join(outDir, PRIVATE_DIR)
  const names = await readdir(privateDir).catch(() => [] as string[])
  const rolledBack: string[] = []
  for (const name of names.sort()) {
    const match = SWAP.exec(name)
    if (!match || isAlive(Number(match[1]))) continue
    const swap = join(privateDir, name)
    const journal = await readJournal(join(swap, JOURNAL))
    if (journal !== undefined) {
      await rollBack(outDir, swap, journal)
      rolledBack.push(name)
    }
    await rm(swap, { recursive: true, force: true })
  }
  return rolledBack
}

/** Whether `<outDir>/.sparkbaas` holds a swap (finished or not): the folder is sparkbaas's, mid-run or killed. */
export async function hasSwap(outDir: string): Promise<boolean> {
  const names = await readdir(join(outDir, PRIVATE_DIR)).catch(() => [] as string[])
  return names.some((name) => SWAP.test(name))
}

/** Puts the previous files back. Each step reads the disk first, so running it again after a kill is safe. */
async function rollBack(outDir: string, swap: string, journal: Journal): Promise<void> {
  const touched = new Set<string>()
  for (let j = journal.removals.length - 1; j >= 0; j--) {
    const target = join(outDir, journal.removals[j]!)
    await rename(join(swap, `gone-${j}`), target).catch(ignore('ENOENT'))
    touched.add(dirname(target))
  }
  for (let i = journal.files.length - 1; i >= 0; i--) {
    const target = join(outDir, journal.files[i]!)
    const staged = join(swap, String(i))
    // Moved in already: move the new file back out first, so that a kill between the two renames below leaves
    // the state this loop starts from (new file staged, old one kept).
    if (!(await exists(staged)) && (await exists(target))) await rename(target, staged)
    // Absent when the file is new with this run. (When the link to it was made but the new file had not moved,
    // both names are one file and the rename does nothing.)
    await rename(join(swap, `old-${i}`), target).catch(ignore('ENOENT'))
    touched.add(dirname(target))
  }
  for (const dir of [...journal.dirs].reverse()) await rmdir(join(outDir, dir)).catch(() => undefined)
  for (const dir of touched) await syncDir(dir)
}

/** Keeps the file at `target` (if any) as `keep`: a hard link, or a copy where links are not allowed. */
async function keepOld(target: string, keep: string): Promise<void> {
  try {
    await link(target, keep)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV' && code !== 'EMLINK') throw error
    // Copied under another name first: `keep` exists only once complete, so a rollback never restores half a file.
    const { mode } = await lstat(target)
    await copyFile(target, `${keep}.tmp`)
    const handle = await open(`${keep}.tmp`, 'r+')
    try {
      await handle.chmod(mode & 0o7777)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(`${keep}.tmp`, keep)
  }
}

/** The folders (relative, shallowest first) that must be created for `files`. */
async function missingDirs(outDir: string, files: readonly string[]): Promise<string[]> {
  const dirs = new Set<string>()
  for (const file of files) {
    const parts = file.split('/')
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'))
  }
  const missing: string[] = []
  for (const dir of [...dirs].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1))) {
    if (!(await exists(join(outDir, dir)))) missing.push(dir)
  }
  return missing
}

/** Folders emptied by removals go (deepest first); one that still holds anything (the user's files) stays. */
async function removeEmptied(outDir: string, removals: readonly string[]): Promise<void> {
  const dirs = new Set<string>()
  for (const path of removals) {
    const parts = path.split('/')
    for (let i = parts.length - 1; i >= 1; i--) dirs.add(parts.slice(0, i).join('/'))
  }
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) await rmdir(join(outDir, dir)).catch(() => undefined)
}

async function readJournal(path: string): Promise<Journal | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return undefined
  }
  try {
    const parsed = JSON.parse(text) as Partial<Journal>
    const paths = (value: unknown): string[] => {
      if (!Array.isArray(value) || !value.every((p) => typeof p === 'string' && isSafeRelativePath(p))) throw new Error('not a list of paths')
      return value as string[]
    }
    return { version: 1, files: paths(parsed.files), removals: paths(parsed.removals), dirs: paths(parsed.dirs) }
  } catch {
    // sparkbaas writes it whole (fsynced before the swap starts) into its private folder: a journal that does not
    // read as one was not written by it, and is not followed (a path in it could lead out of the output folder).
    return undefined
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}

const ignore =
  (code: string) =>
  (error: NodeJS.ErrnoException): void => {
    if (error.code !== code) throw error
  }

async function writeDurably(path: string, contents: string): Promise<void> {
  const handle = await open(path, 'wx', 0o600)
  try {
    await writeFile(handle, contents, 'utf8')
    await handle.sync()
  } finally {
    await handle.close()
  }
}

export async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // Not supported here (some filesystems, some platforms): the data itself is already synced.
  }
}
