/** The upgrade plan as the text `sparkbaas upgrade` prints, and as the JSON `--json` prints. */
import type { Caution, ServiceChange, UpgradePlan } from './plan.js'

/** One line per service, then what needs care, with its steps numbered. */
export function formatPlan(plan: UpgradePlan): string[] {
  const width = Math.max(0, ...plan.services.map((s) => s.service.length))
  const lines = [`${plan.project}: the images in ${plan.composeFile} against this release`]
  for (const change of plan.services) lines.push(`  ${change.service.padEnd(width)}  ${describe(change)}`)
  if (plan.cautions.length > 0) {
    lines.push('Needs care:')
    for (const caution of plan.cautions) lines.push(...formatCaution(caution))
  }
  return lines
}

export function formatCaution(caution: Caution): string[] {
  return [`  ! ${caution.message}`, ...caution.steps.map((step, i) => `      ${i + 1}. ${step}`)]
}

function describe(change: ServiceChange): string {
  switch (change.status) {
    case 'unchanged':
      return `unchanged (${change.to})`
    case 'changed':
      return `${change.from} → ${change.to}`
    case 'added':
      return `added (${change.to})`
    case 'removed':
      return `removed (was ${change.from})`
  }
}

/** The plan for `--json`: every service, the cautions (with `blocks`), and whether `--yes` would apply it. */
export function planJson(plan: UpgradePlan) {
  return {
    project: plan.project,
    composeFile: plan.composeFile,
    upToDate: plan.upToDate,
    services: plan.services.map(({ service, status, from, to }) => ({ service, status, from, to })),
    cautions: plan.cautions.map(({ kind, message, steps, blocks }) => ({ kind, message, steps, blocks })),
  }
}
