/** `sparkbaas restore --file FILE --yes`: put every database of a backup archive back as it was. */
import { defineCommand } from 'citty'
import { restore, type RestoreResult } from '../../backup/restore.js'
import { openStack } from '../../stack/context.js'
import { printJson, printSuccess } from '../report.js'
import { STACK_ARGS, stackOptions, where } from '../stack-args.js'

export default defineCommand({
  args: {
    file: { type: 'string', alias: 'f', valueHint: 'file', required: true, description: 'The archive `sparkbaas backup` wrote' },
    yes: { type: 'boolean', alias: 'y', description: 'Confirm that the databases in the archive replace the stack\'s (there is no prompt)' },
    ...STACK_ARGS,
  },
  async run({ args }) {
    const json = args.json === true
    const stack = await openStack(stackOptions(args))
    const result = await restore(stack, {
      file: args.file,
      yes: args.yes === true,
      onStep: (step) => {
        if (json) return
        if (step.kind === 'checked') for (const warning of step.warnings) process.stderr.write(`! ${warning}\n`)
        else if (step.kind === 'stopping') process.stderr.write(`Stopping ${step.services.join(', ')} (they hold connections)…\n`)
        else if (step.kind === 'restoring') process.stderr.write(`Restoring database ${step.database}…\n`)
        else process.stderr.write(`Starting ${step.services.join(', ')} again…\n`)
      },
    })
    if (json) printJson({ ok: true, ...result })
    else process.stdout.write(formatRestore(result))
  },
})

function formatRestore(result: RestoreResult): string {
  printSuccess(`Restored ${result.project} from ${where(result.file)} (backup of ${result.createdAt}, PostgreSQL ${result.postgres.archive})`)
  const lines = [`  databases: ${result.databases.join(', ')}`]
  if (result.rolesCreated.length > 0) lines.push(`  roles created: ${result.rolesCreated.join(', ')}`)
  if (result.untouched.length > 0) lines.push(`  not in the archive, left as they were: ${result.untouched.join(', ')}`)
  if (result.services.length > 0) lines.push(`  stopped and started again: ${result.services.join(', ')}`)
  return `${lines.join('\n')}\n`
}
