/** `sparkbaas migrate new|up|status`: SQL migrations in migrations/, applied with psql inside the postgres container. */
import { join } from 'node:path'
import { defineCommand } from 'citty'
import { loadConfig } from '../../config/load.js'
import { SparkbaasError } from '../../errors.js'
import { migrateUp, migrationStatus, type MigrationRef, type StatusReport, type UpReport } from '../../migrate/apply.js'
import { MIGRATIONS_DIR, newMigration } from '../../migrate/files.js'
import { countStates } from '../../migrate/plan.js'
import { displayPath, openStack, type Stack } from '../../stack/context.js'
import { printJson, printSuccess } from '../report.js'
import { STACK_ARGS, stackOptions, where } from '../stack-args.js'

const DATABASE = {
  database: { type: 'string', valueHint: 'name', description: "Database to migrate (default: the API's database, else the first of postgres.databases)" },
} as const

const newCommand = defineCommand({
  meta: { name: 'new', description: 'Create migrations/<UTC timestamp>_<name>.sql beside the config file.' },
  args: {
    name: { type: 'positional', required: true, description: 'What the migration does: lowercase letters, digits and "_", e.g. create_todos' },
    config: STACK_ARGS.config,
    json: STACK_ARGS.json,
  },
  async run({ args }) {
    // Only the config's folder is needed: a config that does not validate yet must not stop anyone writing SQL.
    const { configDir } = await loadConfig(args.config ? { configFile: args.config } : {})
    const file = await newMigration(join(configDir, MIGRATIONS_DIR), args.name)
    if (args.json) {
      printJson({ ok: true, version: file.version, name: file.name, file: file.path })
      return
    }
    printSuccess(`Created ${where(file.path)}`)
    process.stdout.write('Write its SQL, then run `sparkbaas migrate up`.\n')
  },
})

const statusCommand = defineCommand({
  meta: { name: 'status', description: 'List every migration: applied, pending, modified (edited after it was applied) or missing.' },
  args: { ...DATABASE, ...STACK_ARGS },
  async run({ args }) {
    const stack = await openStack(stackOptions(args))
    const report = await migrationStatus(stack, database(args))
    if (args.json) {
      printJson(statusJson(report))
      return
    }
    process.stdout.write(formatStatus(stack, report))
  },
})

const upCommand = defineCommand({
  meta: { name: 'up', description: 'Apply the pending migrations in order, each in its own transaction.' },
  args: {
    'dry-run': { type: 'boolean', description: 'Show what would be applied; change nothing' },
    ...DATABASE,
    ...STACK_ARGS,
  },
  async run({ args }) {
    const json = args.json === true
    const stack = await openStack(stackOptions(args))
    const report = await migrateUp(stack, {
      ...database(args),
      dryRun: args['dry-run'] === true,
      onApplied: (m, messages) => {
        if (json) return
        printSuccess(`Applied ${displayPath(stack, m.path)}`)
        for (const line of messages) process.stderr.write(`  ${line}\n`)
      },
    })
    if (json) {
      printJson(upJson(stack, report))
      return report.failed === undefined ? 0 : 1
    }
    if (report.failed !== undefined) throw failure(stack, report)
    process.stdout.write(formatUp(stack, report))
    return 0
  },
})

export default defineCommand({
  meta: { name: 'migrate', description: 'SQL migrations: new, up, status.' },
  subCommands: { new: newCommand, up: upCommand, status: statusCommand },
})

function database(args: { database?: string | undefined }): { database?: string } {
  return args.database === undefined ? {} : { database: args.database }
}

function statusJson(report: StatusReport) {
  return {
    ok: true,
    database: report.database,
    dir: report.dir,
    counts: countStates(report.entries),
    migrations: report.entries.map((e) => ({
      version: e.version,
      name: e.name,
      state: e.state,
      file: e.file?.path ?? null,
      checksum: e.file?.checksum ?? null,
      appliedChecksum: e.record?.checksum ?? null,
      appliedAt: e.record?.appliedAt ?? null,
      appliedBy: e.record?.appliedBy ?? null,
      problems: report.problems.get(e.version) ?? [],
    })),
  }
}

const NOTE = {
  applied: (at: string) => at,
  pending: () => '',
  modified: (at: string) => `applied ${at}, edited since`,
  missing: (at: string) => `applied ${at}, file gone`,
} as const

function formatStatus(stack: Stack, report: StatusReport): string {
  const counts = countStates(report.entries)
  const summary = (Object.entries(counts) as [keyof typeof counts, number][]).filter(([state, n]) => n > 0 || state === 'applied' || state === 'pending').map(([state, n]) => `${n} ${state}`)
  const lines = [`Database "${report.database}", ${displayPath(stack, report.dir)}/: ${summary.join(', ')}`]
  if (report.entries.length === 0) lines.push('  No migrations yet: create one with `sparkbaas migrate new <name>`.')
  const width = Math.max(0, ...report.entries.map((e) => e.name.length))
  for (const e of report.entries) {
    const note = NOTE[e.state](e.record?.appliedAt ?? '')
    lines.push(`  ${e.state.padEnd(8)}  ${e.version}  ${note === '' ? e.name : `${e.name.padEnd(width)}  ${note}`}`)
    for (const problem of report.problems.get(e.version) ?? []) lines.push(`            ! ${problem}`)
  }
  if (counts.modified + counts.missing > 0) {
    lines.push('`sparkbaas migrate up` refuses to run until every applied migration matches its file again: restore the file, and make changes in a new migration.')
  }
  return `${lines.join('\n')}\n`
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`

function formatUp(stack: Stack, report: UpReport): string {
  const lines: string[] = []
  const db = `database "${report.database}"`
  for (const version of report.outOfOrder) lines.push(`note: ${version} is older than the newest applied migration; it ${report.dryRun ? 'would be' : 'was'} applied all the same.`)
  for (const m of report.skipped) lines.push(`${displayPath(stack, m.path)} was applied by another \`migrate up\` meanwhile.`)
  if (report.dryRun) {
    if (report.applied.length === 0) lines.push(`Nothing to apply: ${db} is up to date (${plural(report.upToDate, 'migration')} applied). Dry run: nothing was changed.`)
    else lines.push(`Would apply to ${db} (dry run, nothing was changed):`, ...report.applied.map((m) => `  ${displayPath(stack, m.path)}`))
  } else if (report.applied.length === 0) {
    lines.push(`Nothing to apply: ${db} is up to date (${plural(report.upToDate, 'migration')} applied).`)
  } else {
    lines.push(`${plural(report.applied.length, 'migration')} applied to ${db}; it is up to date.`)
  }
  return `${lines.join('\n')}\n`
}

function failure(stack: Stack, report: UpReport): SparkbaasError {
  const failed = report.failed!
  const before = report.applied.length === 0 ? 'nothing was applied before it' : `the ${plural(report.applied.length, 'migration')} before it stay${report.applied.length === 1 ? 's' : ''} applied`
  const after = failed.notRun.length === 0 ? '' : `, ${plural(failed.notRun.length, 'later migration')} not run`
  return new SparkbaasError(
    'migration_failed',
    [`${displayPath(stack, failed.migration.path)} failed and was rolled back (${before}${after}):`, ...failed.messages.map((l) => `  ${l}`)].join('\n'),
    { hint: 'Fix the migration and run `sparkbaas migrate up` again; it starts with this one.' },
  )
}

function upJson(stack: Stack, report: UpReport) {
  const item = (m: MigrationRef) => ({ version: m.version, name: m.name, file: m.path, checksum: m.checksum })
  const body = {
    database: report.database,
    dryRun: report.dryRun,
    applied: report.applied.map(item),
    skipped: report.skipped.map(item),
    upToDate: report.upToDate,
    outOfOrder: report.outOfOrder,
  }
  if (report.failed === undefined) return { ok: true, ...body }
  const error = failure(stack, report)
  return {
    ok: false,
    problems: [{ path: displayPath(stack, report.failed.migration.path), message: report.failed.messages.join('\n'), code: error.code }],
    ...body,
    failed: { ...item(report.failed.migration), messages: report.failed.messages },
    notRun: report.failed.notRun.map(item),
  }
}
