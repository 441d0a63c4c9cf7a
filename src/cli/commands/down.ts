/** `sparkbaas down [--volumes --yes]`: stop the stack; its data is deleted only with both flags. */
import { defineCommand } from 'citty'
import { openStack } from '../../stack/context.js'
import { down } from '../../stack/down.js'
import { printJson, printSuccess } from '../report.js'
import { STACK_ARGS, stackOptions } from '../stack-args.js'

const volumeList = (names: readonly string[]) => `volume${names.length === 1 ? '' : 's'} ${names.join(', ')}`

export default defineCommand({
  args: {
    volumes: { type: 'boolean', description: "Also delete the stack's volumes (its databases): needs --yes" },
    yes: { type: 'boolean', alias: 'y', description: 'Confirm --volumes (there is no prompt)' },
    ...STACK_ARGS,
  },
  async run({ args }) {
    const json = args.json === true
    const stack = await openStack(stackOptions(args))
    const result = await down(stack, { volumes: args.volumes === true, yes: args.yes === true, output: json ? 'capture' : 'stream' })
    if (json) {
      printJson({ ok: true, ...result })
      return
    }
    const { volumesDeleted: deleted, volumesKept: kept } = result
    printSuccess(
      deleted.length > 0
        ? `${result.project} is down: containers, networks and ${volumeList(deleted)} deleted`
        : `${result.project} is down: containers and networks removed${kept.length > 0 ? `, ${volumeList(kept)} kept` : ''}`,
    )
  },
})
