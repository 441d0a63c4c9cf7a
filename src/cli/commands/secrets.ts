/** `sparkbaas secrets check`: the keys the cluster's Secret must hold, set or not locally and (--cluster) in the cluster. */
import { defineCommand } from 'citty'
import { secretsCheck, type SecretsCheckResult } from '../../cluster/secrets.js'
import { EXIT } from '../../errors.js'
import { openStack } from '../../stack/context.js'
import { printJson } from '../report.js'
import { CLUSTER_ARGS, clusterTarget, STACK_ARGS, stackOptions, where } from '../stack-args.js'

const check = defineCommand({
  meta: { name: 'check', description: 'List the keys the Secret of the Kubernetes output must hold, and whether each has a value; exits 1 when one has not.' },
  args: {
    cluster: { type: 'boolean', description: 'Also check the Secret in the cluster (reads key names only, never values)' },
    ...CLUSTER_ARGS,
    ...STACK_ARGS,
  },
  async run({ args }) {
    const stack = await openStack(stackOptions(args))
    const result = await secretsCheck(stack, args.cluster === true ? { cluster: clusterTarget(args) } : {})
    if (args.json === true) {
      const { ok, secret, ...rest } = result
      printJson({ ok, ...rest, secret: secret === null ? null : { kind: secret.kind, name: secret.name, ...('envFile' in secret ? { envFile: secret.envFile } : {}) } })
    } else process.stdout.write(formatCheck(result, args.cluster === true))
    return result.ok ? EXIT.ok : EXIT.failure
  },
})

function formatCheck(result: SecretsCheckResult, cluster: boolean): string {
  const { secret } = result
  if (secret === null) return `${result.project}: the manifests read no Secret; nothing to provide\n`
  const source = secret.kind === 'generated' ? `made by kustomize from ${where(secret.envFile)}` : 'which must exist in the cluster'
  const lines = [`${result.project}: Secret ${secret.name} in namespace ${result.namespace}, ${source}: ${result.keys.length} key${result.keys.length === 1 ? '' : 's'}`]
  const columns = ['KEY', ...(secret.kind === 'generated' ? ['LOCAL'] : []), ...(cluster ? ['CLUSTER'] : []), 'DESCRIPTION']
  const rows = [columns, ...result.keys.map((k) => [k.key, ...(k.local === null ? [] : [k.local]), ...(k.cluster === null ? [] : [k.cluster]), k.description])]
  const last = columns.length - 1
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  lines.push(...rows.map((row) => `  ${row.map((cell, i) => (i < last ? cell.padEnd(widths[i]!) : cell)).join('  ')}`.trimEnd()))
  if (cluster) {
    lines.push(result.clusterSecret === null ? `  the cluster has no Secret ${secret.name}${secret.kind === 'generated' ? '-<hash>' : ''} in namespace ${result.namespace}` : `  checked in the cluster: Secret ${result.clusterSecret}`)
  } else if (secret.kind === 'existing') lines.push('  --cluster checks that the cluster holds them')
  return `${lines.join('\n')}\n`
}

export default defineCommand({
  meta: { name: 'secrets', description: 'The secrets the Kubernetes output needs: check.' },
  subCommands: { check },
})
