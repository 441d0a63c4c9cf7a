/** `sparkbaas status` (alias `ps`): each service's state, health and ports, and the route URLs; `-o env` for scripts. */
import { defineCommand } from 'citty'
import { formatPort } from '../../engine/ps.js'
import { SparkbaasError } from '../../errors.js'
import { connectionSettings, formatConnectionSettings } from '../../stack/connection.js'
import { openStack, readStackEnv, requireGenerated } from '../../stack/context.js'
import { COMPLETED, NOT_CREATED, status, type StatusResult } from '../../stack/status.js'
import { printJson } from '../report.js'
import { STACK_ARGS, stackOptions } from '../stack-args.js'

export default defineCommand({
  args: {
    // --format, not --output beside --out; `-o` as in kubectl. --output, its first name, still works (not shown).
    format: {
      type: 'enum',
      options: ['text', 'env'],
      alias: ['o', 'output'],
      default: 'text',
      description: 'text: the table; env: connection settings (DATABASE_URL, API_URL, …) as KEY=value lines for scripts',
    },
    ...STACK_ARGS,
  },
  async run({ args }) {
    const json = args.json === true
    if (args.format === 'env' && json) throw new SparkbaasError('usage', '--format env and --json cannot be used together.', { hint: 'Pick one format.' })
    const stack = await openStack(stackOptions(args))
    if (args.format === 'env') {
      // Settings come from the config and .env alone: no engine needed, so a script can read them anywhere.
      requireGenerated(stack)
      process.stdout.write(formatConnectionSettings(connectionSettings(stack.model, await readStackEnv(stack))))
      return
    }
    const result = await status(stack)
    if (json) {
      const { engine: _engine, ...rest } = result
      printJson({ ok: true, ...rest })
      return
    }
    process.stdout.write(formatStatus(result))
  },
})

function formatStatus(result: StatusResult): string {
  // A one-shot job that completed is as up as it gets.
  const running = result.services.filter((s) => s.state === 'running' || s.state === COMPLETED).length
  const rows = [
    ['SERVICE', 'STATE', 'HEALTH', 'PORTS'],
    ...result.services.map((s) => [s.name, s.state, s.health ?? (s.state === NOT_CREATED ? '' : '-'), [...new Set(s.ports.map(formatPort))].join(', ')]),
  ]
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)))
  const table = rows.map((row) => `  ${row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ')}`.trimEnd())
  const lines = [`${result.project}: ${running} of ${result.services.length} services running`, ...table]
  if (result.routes.length > 0) lines.push('routes:', ...result.routes.map((r) => `  ${r.url}`))
  return `${lines.join('\n')}\n`
}
