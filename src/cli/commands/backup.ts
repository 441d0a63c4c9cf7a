/** `sparkbaas backup [--file FILE]`: every database of the running stack, its roles and a manifest, in one archive. */
import { defineCommand } from 'citty'
import { backup, type BackupResult } from '../../backup/dump.js'
import { SparkbaasError } from '../../errors.js'
import { openStack } from '../../stack/context.js'
import { printJson, printSuccess } from '../report.js'
import { STACK_ARGS, stackOptions, where } from '../stack-args.js'

export default defineCommand({
  args: {
    // Not --out: every stack command already takes --out for the generated folder.
    file: { type: 'string', alias: 'f', valueHint: 'file', description: 'Archive to write (default: backups/<project>-<UTC time>.tar beside the config file)' },
    ...STACK_ARGS,
  },
  async run({ args }) {
    const json = args.json === true
    // `backup --out x.tar` is the natural guess (pg_dump-like tools name the output so); said plainly here rather
    // than as "x.tar/docker-compose.yml does not exist".
    if (args.out !== undefined && /\.tar$/i.test(args.out)) {
      throw new SparkbaasError('usage', `--out is the folder of the generated stack, as for every stack command; "${args.out}" looks like an archive.`, {
        hint: `Name the archive with --file: \`sparkbaas backup --file ${args.out}\`.`,
      })
    }
    const stack = await openStack(stackOptions(args))
    const result = await backup(stack, {
      ...(args.file ? { file: args.file } : {}),
      onStart: ({ databases, postgres }) => {
        if (!json) process.stderr.write(`Backing up ${stack.project} (PostgreSQL ${postgres}): ${databases.length} database${databases.length === 1 ? '' : 's'} and the roles…\n`)
      },
    })
    if (json) printJson({ ok: true, ...backupJson(result) })
    else process.stdout.write(formatBackup(result))
  },
})

export function backupJson(result: BackupResult) {
  const { manifest } = result
  return {
    project: result.project,
    file: result.file,
    bytes: result.bytes,
    createdAt: manifest.createdAt,
    postgres: manifest.postgres,
    databases: manifest.databases.map(({ name, bytes, sha256 }) => ({ name, bytes, sha256 })),
  }
}

/** The success line, then one line per database; `restoreLine` adds how to restore it. */
export function formatBackup(result: BackupResult, restoreLine = true): string {
  const file = where(result.file)
  printSuccess(`Backed up ${result.project} to ${file} (${formatBytes(result.bytes)})`)
  const dbs = result.manifest.databases
  const width = Math.max(...dbs.map((d) => d.name.length))
  const lines = dbs.map((d) => `  ${d.name.padEnd(width)}  ${formatBytes(d.bytes)}`)
  if (restoreLine) lines.push(`  Restore it with: sparkbaas restore --file ${file} --yes`)
  return `${lines.join('\n')}\n`
}

/** 1536 → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`
}
