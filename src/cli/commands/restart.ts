/** `sparkbaas restart [service…]`: restart containers as they are (no regeneration; `up` applies config changes). */
import { defineCommand } from 'citty'
import { openStack } from '../../stack/context.js'
import { restart } from '../../stack/passthrough.js'
import { printJson, printSuccess } from '../report.js'
import { variadic } from '../run.js'
import { STACK_ARGS, stackOptions } from '../stack-args.js'

export default defineCommand({
  args: {
    service: variadic({ type: 'positional', required: false, description: 'Services to restart (default: all)' }),
    ...STACK_ARGS,
  },
  async run({ args }) {
    const json = args.json === true
    const stack = await openStack(stackOptions(args))
    await restart(stack, { services: args._, output: json ? 'capture' : 'stream' })
    if (json) printJson({ ok: true, project: stack.project, services: args._ })
    else printSuccess(args._.length === 0 ? `Restarted every service of ${stack.project}` : `Restarted ${args._.join(', ')}`)
  },
})
