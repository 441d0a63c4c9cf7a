/**
 * Files against records: what `migrate status` shows and what `migrate up` may do. Pure functions over the listed
 * files and the rows read from the tracking table, so every case is unit-tested without a database.
 */
import { byCodePoint } from '../order.js'
import type { MigrationFile } from './files.js'
import { transactionProblems, type ScanProblem } from './sql-scan.js'

/** A row of `sparkbaas.sparkbaas_migrations`. */
export interface AppliedRecord {
  readonly version: string
  readonly name: string
  readonly checksum: string
  /** ISO 8601 in UTC, `2025-01-02T03:04:05Z`. */
  readonly appliedAt: string
  readonly appliedBy: string
}

/**
 * - `applied`: recorded, and the file is unchanged;
 * - `pending`: a file not recorded yet;
 * - `modified`: recorded, but the file's checksum differs from the one recorded when it was applied;
 * - `missing`: recorded, but no file has its version any more.
 */
export type MigrationState = 'applied' | 'pending' | 'modified' | 'missing'

export interface MigrationEntry {
  readonly version: string
  /** The file's name part, or the recorded one when the file is missing. */
  readonly name: string
  readonly state: MigrationState
  readonly file: MigrationFile | undefined
  readonly record: AppliedRecord | undefined
}

/** One entry per version found in either, sorted by version. */
export function classify(files: readonly MigrationFile[], records: readonly AppliedRecord[]): MigrationEntry[] {
  const byFile = new Map(files.map((f) => [f.version, f]))
  const byRecord = new Map(records.map((r) => [r.version, r]))
  const versions = [...new Set([...byFile.keys(), ...byRecord.keys()])].sort(byCodePoint)
  return versions.map((version) => {
    const file = byFile.get(version)
    const record = byRecord.get(version)
    const state: MigrationState = file === undefined ? 'missing' : record === undefined ? 'pending' : record.checksum === file.checksum ? 'applied' : 'modified'
    return { version, name: file?.name ?? record!.name, state, file, record }
  })
}

export const countStates = (entries: readonly MigrationEntry[]): Record<MigrationState, number> => {
  const counts = { applied: 0, pending: 0, modified: 0, missing: 0 }
  for (const e of entries) counts[e.state]++
  return counts
}

/** Why a pending file cannot be applied as it is: not UTF-8, or something that breaks its transaction. */
export function fileProblems(file: MigrationFile): ScanProblem[] {
  if (file.text === undefined) return [{ line: 0, message: 'is not valid UTF-8 text; save it as UTF-8' }]
  return transactionProblems(file.text)
}

export interface UpPlan {
  readonly entries: readonly MigrationEntry[]
  /** Applied migrations whose file changed or is gone: `up` refuses while there is any. */
  readonly drift: readonly MigrationEntry[]
  /** What `up` applies, in version order. */
  readonly pending: readonly MigrationFile[]
  /** Pending files that cannot be applied as they are: `up` refuses while there is any. */
  readonly blocked: readonly { readonly file: MigrationFile; readonly problems: readonly ScanProblem[] }[]
  /** Pending versions older than the newest applied one (say, from a merged branch): applied all the same. */
  readonly outOfOrder: readonly string[]
}

export function planUp(files: readonly MigrationFile[], records: readonly AppliedRecord[]): UpPlan {
  const entries = classify(files, records)
  const pending = entries.filter((e) => e.state === 'pending').map((e) => e.file!)
  const newestApplied = records.map((r) => r.version).sort(byCodePoint).at(-1)
  return {
    entries,
    drift: entries.filter((e) => e.state === 'modified' || e.state === 'missing'),
    pending,
    blocked: pending.map((file) => ({ file, problems: fileProblems(file) })).filter((b) => b.problems.length > 0),
    outOfOrder: newestApplied === undefined ? [] : pending.filter((f) => f.version < newestApplied).map((f) => f.version),
  }
}
