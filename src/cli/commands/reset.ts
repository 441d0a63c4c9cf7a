/** `sparkbaas reset --yes`: back up, delete the containers and volumes, start again empty. */
import { defineCommand } from 'citty'
import { reset } from '../../backup/reset.js'
import { openStack } from '../../stack/context.js'
import { printJson, printSuccess } from '../report.js'
import { STACK_ARGS, stackOptions, where } from '../stack-args.js'
import { backupJson, formatBackup } from './backup.js'

export default defineCommand({
  args: {
    yes: { type: 'boolean', alias: 'y', description: 'Confirm deleting the data (it is backed up first; there is no prompt)' },
    ...STACK_ARGS,
  },
  async run({ args }) {
    const json = args.json === true
    const stack = await openStack(stackOptions(args))
    const result = await reset(stack, {
      yes: args.yes === true,
      output: json ? 'capture' : 'stream',
      onStep: (step) => {
        if (json) return
        if (step.kind === 'backed-up') process.stdout.write(formatBackup(step.backup, false))
        else process.stderr.write(`Deleted the containers and volumes of ${stack.project}; starting it again…\n`)
      },
    })
    const file = where(result.backup.file)
    if (json) {
      printJson({ ok: true, project: result.project, backup: backupJson(result.backup), volumesDeleted: result.down.volumesDeleted, routes: result.up.routes })
      return
    }
    printSuccess(`${result.project} was reset: it runs on empty volumes`)
    process.stdout.write(`  The data from before is in ${file}; restore it with: sparkbaas restore --file ${file} --yes\n`)
  },
})
