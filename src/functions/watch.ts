/** Watches folders (recursively) and reports the changed files once things settle. */
import { watch, type FSWatcher } from 'node:fs'
import { join } from 'node:path'

export interface FolderWatch {
  close(): void
}

/**
 * Calls `onChange` with the changed paths (absolute, sorted) after `debounceMs` without a further change: an
 * editor's save is several events (write, rename, chmod), and a `git checkout` touches many files at once.
 * `onError` gets a watcher's failure (its folder removed, too many watches); the other folders keep being watched.
 */
export function watchFolders(folders: readonly string[], debounceMs: number, onChange: (files: string[]) => void, onError: (error: Error) => void): FolderWatch {
  const changed = new Set<string>()
  let timer: NodeJS.Timeout | undefined
  const watchers: FSWatcher[] = []
  const fire = () => {
    timer = undefined
    const files = [...changed].sort()
    changed.clear()
    onChange(files)
  }
  // A folder inside another is watched once, by the outer one.
  const outer = [...new Set(folders)].filter((dir, _, all) => !all.some((other) => other !== dir && dir.startsWith(`${other}/`)))
  for (const dir of outer) {
    // recursive: Node 20 supports it on Linux as well as macOS and Windows.
    const watcher = watch(dir, { recursive: true }, (_event, file) => {
      changed.add(file === null ? dir : join(dir, file.toString()))
      if (timer !== undefined) clearTimeout(timer)
      timer = setTimeout(fire, debounceMs)
    })
    watcher.on('error', onError)
    watchers.push(watcher)
  }
  return {
    close() {
      if (timer !== undefined) clearTimeout(timer)
      for (const watcher of watchers) watcher.close()
    },
  }
}
