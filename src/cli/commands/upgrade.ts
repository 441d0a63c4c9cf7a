/** `sparkbaas upgrade [--yes]`: compare the running stack's images with this release's, print the plan, apply with --yes. */
import { defineCommand } from 'citty'
import { openStack } from '../../stack/context.js'
import { formatPlan, planJson } from '../../upgrade/format.js'
import type { ServiceChange } from '../../upgrade/plan.js'
import { applyUpgrade, planStackUpgrade } from '../../upgrade/upgrade.js'
import { printJson, printSuccess } from '../report.js'
import { STACK_ARGS, stackOptions, where } from '../stack-args.js'

export default defineCommand({
  args: {
    yes: { type: 'boolean', alias: 'y', description: 'Apply the plan: regenerate, pull the new images and restart the stack' },
    ...STACK_ARGS,
  },
  async run({ args }) {
    const json = args.json === true
    const stack = await openStack(stackOptions(args))
    const planned = await planStackUpgrade(stack)
    const { plan } = planned
    if (!json) process.stdout.write(`${formatPlan(plan).join('\n')}\n`)

    if (plan.upToDate || args.yes !== true) {
      if (json) {
        printJson({ ok: true, ...planJson(plan), applied: false })
      } else if (plan.upToDate) {
        printSuccess(`${plan.project} is already up to date: every service runs the image this release pins.`)
      } else {
        process.stdout.write(
          plan.blocked
            ? 'Nothing was changed. --yes would refuse this plan: see "Needs care" above.\n'
            : 'Nothing was changed. Run with --yes to apply: sparkbaas upgrade --yes\n',
        )
      }
      return
    }

    const applied = await applyUpgrade(stack, planned, {
      output: json ? 'capture' : 'stream',
      onStep: (step) => {
        if (json) return
        if (step.kind === 'regenerated') {
          printSuccess(`Regenerated ${where(stack.outDir)}/: ${step.report.written.length} written${step.report.removed.length > 0 ? `, ${step.report.removed.length} removed` : ''}`)
          for (const warning of step.report.warnings) process.stderr.write(`! ${warning}\n`)
        } else if (step.kind === 'pulling') {
          process.stderr.write(`Pulling the new images (${step.services.join(', ')}) with ${step.engine.name}…\n`)
        } else {
          process.stderr.write(`Restarting ${stack.project} with ${step.engine.name}, waiting until every service is healthy…\n`)
        }
      },
    })
    if (json) {
      printJson({
        ok: true,
        ...planJson(plan),
        applied: true,
        engine: applied?.up.engine ?? null,
        regenerated: applied?.regenerated?.written ?? [],
        pulled: applied?.pulled ?? [],
      })
      return
    }
    const changes = plan.services.filter((s) => s.status !== 'unchanged')
    printSuccess(`${plan.project} upgraded and up: ${changes.map(summary).join('; ')}`)
  },
})

function summary(change: ServiceChange): string {
  if (change.status === 'added') return `${change.service} added (${change.to})`
  if (change.status === 'removed') return `${change.service} removed`
  return `${change.service} ${change.from} → ${change.to}`
}
