/** `sparkbaas logs [service…] [-f] [--tail N]`: the services' logs through compose. */
import { defineCommand } from 'citty'
import { SparkbaasError } from '../../errors.js'
import { openStack } from '../../stack/context.js'
import { logs } from '../../stack/passthrough.js'
import { printJson } from '../report.js'
import { variadic } from '../run.js'
import { STACK_ARGS, stackOptions, wholeNumber } from '../stack-args.js'

export default defineCommand({
  args: {
    service: variadic({ type: 'positional', required: false, description: 'Services to show (default: all)' }),
    follow: { type: 'boolean', alias: 'f', description: 'Keep printing new lines until Ctrl-C' },
    tail: { type: 'string', valueHint: 'lines', description: 'Only the last N lines of each log (default: all)' },
    ...STACK_ARGS,
  },
  async run({ args }) {
    const json = args.json === true
    if (json && args.follow) throw new SparkbaasError('usage', '--follow and --json cannot be used together.', { hint: '--json prints the logs once, as one JSON value.' })
    const tail = wholeNumber(args.tail, '--tail', 0, '`sparkbaas logs --tail 100`')
    const stack = await openStack(stackOptions(args))
    const result = await logs(stack, {
      services: args._,
      follow: args.follow === true,
      output: json ? 'capture' : 'stream',
      ...(tail === undefined ? {} : { tail }),
    })
    if (json) printJson({ ok: true, project: stack.project, services: args._, logs: result.stdout })
    return result.exitCode
  },
})
