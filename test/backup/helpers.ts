/** Shared by the backup tests: the two-database config, archive surgery, and output normalisation. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { create, extract, list } from 'tar'
import { STACK_CONFIG } from '../helpers/stack.js'

/** STACK_CONFIG with two application databases (app is the API's). */
export const TWO_DB_CONFIG = { ...STACK_CONFIG, postgres: { exposePort: 5432, databases: ['app', 'analytics'] } }

/** A SQL string literal (standard_conforming_strings is on). */
export const lit = (value: string) => `'${value.replaceAll("'", "''")}'`

/** Names of the entries of a tar file, in order. */
export async function entries(file: string): Promise<string[]> {
  const names: string[] = []
  await list({ file, onReadEntry: (entry) => names.push(entry.path) })
  return names
}

/**
 * Unpacks `archive`, lets `edit` change the folder (returning the entries to pack, in order) and packs it into
 * `target`: a backup tampered with the way a broken disk or a wrong copy would.
 */
export async function rewriteArchive(archive: string, target: string, edit: (dir: string) => string[] | void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sparkbaas-archive-edit-'))
  try {
    await extract({ file: archive, cwd: dir })
    const names = edit(dir) ?? (await entries(archive))
    await create({ file: target, cwd: dir }, names)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Edits manifest.json inside an unpacked archive. */
export function editManifest(dir: string, change: (manifest: Record<string, any>) => void): void {
  const file = join(dir, 'manifest.json')
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>
  change(manifest)
  writeFileSync(file, JSON.stringify(manifest, null, 2))
}

/** The archives in `<dir>/backups` (not its private .sparkbaas/ folder: staging, git-ignored). */
export function backups(dir: string): string[] {
  try {
    return readdirSync(join(dir, 'backups'))
      .filter((name) => name !== '.sparkbaas')
      .sort()
  } catch {
    return []
  }
}

export const mode = (file: string) => (statSync(file).mode & 0o777).toString(8)

/** Sizes and timestamps vary from run to run: `<n>`, `<time>`. */
export const stable = (text: string) =>
  text
    .replace(/\d{8}T\d{6}Z(-\d+)?/g, '<time>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<iso>')
    .replace(/\d+(\.\d)? (B|KiB|MiB)/g, '<size>')
    .replace(/PostgreSQL \d+\.\d+( \([^)]*\))?/g, 'PostgreSQL <version>')
