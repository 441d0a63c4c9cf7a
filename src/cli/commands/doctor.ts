/** `sparkbaas doctor`: one line per check (ok / warn / fail) with what to do; exits 1 when a check fails. */
import { styleText } from 'node:util'
import { defineCommand } from 'citty'
import { doctor } from '../../doctor/doctor.js'
import { formatReport } from '../../doctor/format.js'
import type { CheckStatus } from '../../doctor/types.js'
import { EXIT } from '../../errors.js'
import { printJson, useColor } from '../report.js'
import { STACK_ARGS, stackOptions } from '../stack-args.js'

const COLOURS = { ok: 'green', warn: 'yellow', fail: 'red' } as const

export default defineCommand({
  args: { ...STACK_ARGS },
  async run({ args }) {
    const report = await doctor(stackOptions(args))
    if (args.json === true) {
      printJson({
        ok: report.ok,
        checks: report.checks.map(({ name, status, message, details, fix }) => ({ name, status, message, details, fix: fix ?? null })),
      })
    } else {
      const colour = useColor(process.stdout)
      process.stdout.write(formatReport(report, (status: CheckStatus, text) => (colour ? styleText(COLOURS[status], text) : text)))
    }
    return report.ok ? EXIT.ok : EXIT.failure
  },
})
