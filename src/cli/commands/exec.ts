/** `sparkbaas exec <service> -- <command…>`: run a command in a service's container; exits with its exit code. */
import { defineCommand } from 'citty'
import { SparkbaasError } from '../../errors.js'
import { openStack } from '../../stack/context.js'
import { exec } from '../../stack/passthrough.js'
import { printJson } from '../report.js'
import { passthrough } from '../run.js'
import { STACK_ARGS, stackOptions } from '../stack-args.js'

export default defineCommand({
  args: passthrough(
    {
      service: { type: 'positional', required: true, description: 'The service whose container runs the command' },
      ...STACK_ARGS,
    },
    { name: 'command', description: 'The command to run in the container, after `--`; its options are its own' },
  ),
  async run({ args, rawArgs }) {
    // Everything after `--` is the command, options included; citty would read them as ours.
    const at = rawArgs.indexOf('--')
    const command = at === -1 ? [] : rawArgs.slice(at + 1)
    if (command.length === 0) {
      throw new SparkbaasError('usage', 'exec needs the command to run after `--`.', { hint: 'For example: `sparkbaas exec postgres -- psql -U postgres`.' })
    }
    if (!rawArgs.slice(0, at).includes(args.service)) {
      throw new SparkbaasError('usage', 'exec needs the service before `--`.', { hint: 'For example: `sparkbaas exec postgres -- psql -U postgres`.' })
    }
    const json = args.json === true
    const stack = await openStack(stackOptions(args))
    const result = await exec(stack, {
      service: args.service,
      command,
      // --json captures the output, so there is no terminal to give the container.
      tty: !json && process.stdin.isTTY === true,
      output: json ? 'capture' : 'inherit',
    })
    if (json) printJson({ ok: result.exitCode === 0, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr })
    return result.exitCode
  },
})
