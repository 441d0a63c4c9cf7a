/** The doctor's report as text: one line per check (status, name, what was found), its details and fix indented below. */
import type { CheckResult, CheckStatus, DoctorReport } from './types.js'

/** The longest check name, `resources`. */
const NAME_WIDTH = 9

/** `paint` colours a status word (the CLI passes one that knows whether the stream wants colour). */
export function formatReport(report: DoctorReport, paint: (status: CheckStatus, text: string) => string = (_, text) => text): string {
  const lines: string[] = []
  for (const check of report.checks) lines.push(...formatCheck(check, paint))
  const count = (status: CheckStatus) => report.checks.filter((c) => c.status === status).length
  const warnings = count('warn')
  const failures = count('fail')
  lines.push(`${count('ok')} ok, ${warnings} warning${warnings === 1 ? '' : 's'}, ${failures} failed`)
  return `${lines.join('\n')}\n`
}

function formatCheck(check: CheckResult, paint: (status: CheckStatus, text: string) => string): string[] {
  const indent = ' '.repeat(5 + NAME_WIDTH + 1)
  return [
    `${paint(check.status, check.status.padEnd(4))} ${check.name.padEnd(NAME_WIDTH)} ${check.message}`,
    ...check.details.map((line) => `${indent}  ${line}`),
    ...(check.fix === undefined ? [] : [`${indent}fix: ${check.fix}`]),
  ]
}
