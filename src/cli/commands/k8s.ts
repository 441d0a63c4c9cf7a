/** `sparkbaas k8s apply|status`: the Kubernetes output of `generate --target kubernetes`, applied and watched with kubectl. */
import { defineCommand } from 'citty'
import { k8sApply, type ApplyResult } from '../../cluster/apply.js'
import { K8S_DIR } from '../../cluster/output.js'
import { k8sStatus, type K8sStatusResult } from '../../cluster/status.js'
import { EXIT } from '../../errors.js'
import { openStack } from '../../stack/context.js'
import { printJson, printSuccess } from '../report.js'
import { CLUSTER_ARGS, clusterTarget, STACK_ARGS, stackOptions, where } from '../stack-args.js'

const apply = defineCommand({
  meta: { name: 'apply', description: 'Apply the generated manifests with `kubectl apply -k` (server-side); refuses stale output or missing secrets.' },
  args: {
    'dry-run': { type: 'enum', options: ['server', 'client'], description: 'Change nothing: server has the cluster check every object, client only builds them locally' },
    'force-conflicts': { type: 'boolean', description: 'Take over fields another field manager owns (server-side apply conflicts)' },
    ...CLUSTER_ARGS,
    ...STACK_ARGS,
  },
  async run({ args }) {
    const stack = await openStack(stackOptions(args))
    const dryRun = args['dry-run'] as 'server' | 'client' | undefined
    const result = await k8sApply(stack, { ...clusterTarget(args), ...(dryRun === undefined ? {} : { dryRun }), forceConflicts: args['force-conflicts'] === true })
    if (args.json === true) printJson({ ok: true, ...result, context: args.context || null })
    else process.stdout.write(formatApply(result, where(`${stack.outDir}/${K8S_DIR}`), args.context))
  },
})

function formatApply(result: ApplyResult, dir: string, context: string | undefined): string {
  for (const warning of result.warnings) process.stderr.write(`! ${warning}\n`)
  const width = Math.max(0, ...result.applied.map((a) => a.object.length))
  const lines = result.applied.map((a) => `  ${a.object.padEnd(width)}  ${a.action}`)
  const count = `${result.applied.length} object${result.applied.length === 1 ? '' : 's'}`
  const where = `namespace ${result.namespace} (${context ? `context ${context}` : "kubectl's current context"})`
  printSuccess(result.dryRun === null ? `${result.project}: ${dir}/ applied to ${where}: ${count}` : `${result.project}: dry run (${result.dryRun}) of ${dir}/ in ${where}: ${count}, nothing changed`)
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`
}

const status = defineCommand({
  meta: { name: 'status', description: "Each Deployment, StatefulSet and Job of the stack in its namespace: ready or not, and why; exits 1 when one is not." },
  args: { ...CLUSTER_ARGS, ...STACK_ARGS },
  async run({ args }) {
    const stack = await openStack(stackOptions(args))
    const result = await k8sStatus(stack, clusterTarget(args))
    if (args.json === true) printJson({ ok: result.ok, project: result.project, namespace: result.namespace, workloads: result.workloads })
    else process.stdout.write(formatStatus(result))
    return result.ok ? EXIT.ok : EXIT.failure
  },
})

function formatStatus(result: K8sStatusResult): string {
  const up = result.workloads.filter((w) => w.ok).length
  const head = `${result.project} in namespace ${result.namespace}: ${up} of ${result.workloads.length} workloads ready`
  if (result.workloads.length === 0) return `${head}\n  nothing deployed: run \`sparkbaas k8s apply\`\n`
  const rows = [
    ['NAME', 'KIND', 'READY', 'STATE'],
    ...result.workloads.map((w) => [w.name, w.kind, w.desired === null ? '-' : `${w.ready}/${w.desired}`, w.reason === null ? w.state : `${w.state} (${w.reason})`]),
  ]
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)))
  return `${[head, ...rows.map((row) => `  ${row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ')}`.trimEnd())].join('\n')}\n`
}

export default defineCommand({
  meta: { name: 'k8s', description: 'Run the stack on Kubernetes: apply, status.' },
  subCommands: { apply, status },
})
