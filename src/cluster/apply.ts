/**
 * `sparkbaas k8s apply`: the Kubernetes output must exist, be what the config generates now, and have every value
 * its Secret generator reads; then `kubectl apply -k <out>/k8s`. Unlike `up`, nothing is regenerated here: what is
 * applied to a cluster should be what was reviewed (and usually committed), so stale output is refused, not rewritten.
 *
 * Server-side apply (`--server-side --field-manager=sparkbaas`), because client-side apply keeps a copy of each
 * object in its `last-applied-configuration` annotation: annotations are limited to 256 KiB, which a ConfigMap of
 * bundled functions or a realm export can pass, and the copy of the Secret would hold every value a second time.
 * Server-side apply also reports a field another manager owns (an autoscaler's replicas) as a conflict instead of
 * silently taking it; `--force-conflicts` takes it, and only when asked. Nothing is ever pruned.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { SparkbaasError, type Problem } from '../errors.js'
import { displayPath, type Stack } from '../stack/context.js'
import { driftProblems, planGenerate } from '../stack/freshness.js'
import { kubectlOrFail, type ClusterTarget } from './kubectl.js'
import { envFileKeys, generateCommand, readKubernetesOutput, SECRETS_EXAMPLE_FILE, type KubernetesOutput } from './output.js'
import { readSecretKeys } from './secrets.js'

export const FIELD_MANAGER = 'sparkbaas'

export type DryRun = 'server' | 'client'

export interface ApplyOptions extends ClusterTarget {
  readonly dryRun?: DryRun
  /** Take fields another field manager owns (`--force-conflicts`). */
  readonly forceConflicts?: boolean
}

export interface AppliedObject {
  /** `deployment.apps/demo-postgres`, as kubectl names it. */
  readonly object: string
  /** kubectl's word for what it did: `serverside-applied`, `created`, `configured`, `unchanged`, with ` (server dry run)`. */
  readonly action: string
}

export interface ApplyResult {
  readonly project: string
  readonly namespace: string
  readonly dryRun: DryRun | null
  readonly serverSide: boolean
  readonly applied: readonly AppliedObject[]
  /** What kubectl warned about on stderr (a deprecated API, a policy that would be violated), one per line. */
  readonly warnings: readonly string[]
}

export async function k8sApply(stack: Stack, options: ApplyOptions): Promise<ApplyResult> {
  if (options.forceConflicts && options.dryRun === 'client') {
    throw new SparkbaasError('usage', '--force-conflicts and --dry-run=client cannot be used together.', {
      hint: '--force-conflicts is a server-side apply option; use --dry-run=server to try it.',
    })
  }
  const output = await readKubernetesOutput(stack)
  await requireFresh(stack)
  await requireSecretValues(stack, output)
  // kubectl refuses --server-side with --dry-run=client (kubernetes/kubectl pkg/cmd/apply/apply.go, Validate): a
  // client dry run sends nothing, so which apply would run makes no difference to it.
  const serverSide = options.dryRun !== 'client'
  const args = ['apply', '-k', output.dir]
  if (serverSide) args.push('--server-side', `--field-manager=${FIELD_MANAGER}`)
  if (options.forceConflicts) args.push('--force-conflicts')
  if (options.dryRun !== undefined) args.push(`--dry-run=${options.dryRun}`)
  const result = await kubectlOrFail(options, args, 'capture')
  const warnings = result.stderr.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '')
  return { project: stack.project, namespace: output.namespace, dryRun: options.dryRun ?? null, serverSide, applied: parseApplied(result.stdout), warnings }
}

/** kubectl apply's lines, `<kind>.<group>/<name> <action>` (its default printer). */
export function parseApplied(stdout: string): AppliedObject[] {
  return stdout
    .split(/\r?\n/)
    .map((line) => /^(\S+)\s+(.+?)\s*$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ object: match[1]!, action: match[2]! }))
}

/**
 * The output must be what the config generates now for the Kubernetes target: a dry run of `generate --target
 * kubernetes`, as `up --no-generate` checks the compose output.
 */
async function requireFresh(stack: Stack): Promise<void> {
  const plan = await planGenerate(stack, 'kubernetes')
  const problems = driftProblems(stack, plan)
  if (problems.length === 0) return
  const count = `${problems.length} file${problems.length === 1 ? '' : 's'}`
  throw new SparkbaasError('stale_output', `${displayPath(stack, stack.outDir)}/ is out of date with ${basename(stack.configFile)} (${count}); nothing was applied:`, {
    problems,
    hint: `Run \`${generateCommand(stack)}\`, review the change, then apply again.`,
  })
}

/** With a Secret generator, `secrets.env` must exist and give every key of `secrets.env.example` a value. */
async function requireSecretValues(stack: Stack, output: KubernetesOutput): Promise<void> {
  const secret = output.secret
  if (secret?.kind !== 'generated') return
  const file = displayPath(stack, secret.envFile)
  if (!existsSync(secret.envFile)) {
    throw new SparkbaasError('secrets_missing', `${file} does not exist, and the kustomization makes Secret ${secret.name} from it; nothing was applied.`, {
      hint: `Run \`${generateCommand(stack)}\` (it writes the file from the values in .env), or write it by hand from ${SECRETS_EXAMPLE_FILE}; \`sparkbaas secrets check\` lists the keys.`,
    })
  }
  const local = envFileKeys(await readFile(secret.envFile, 'utf8'))
  const problems: Problem[] = []
  for (const { key } of await readSecretKeys(stack, output)) {
    const entry = local.get(key)
    if (entry === undefined) problems.push({ path: key, code: 'missing', message: `is not in ${basename(secret.envFile)}` })
    else if (entry.empty) problems.push({ path: key, code: 'empty', message: 'has an empty value' })
  }
  if (problems.length === 0) return
  throw new SparkbaasError('secrets_missing', `${file} lacks ${problems.length === 1 ? 'a value' : `${problems.length} values`} Secret ${secret.name} needs; nothing was applied:`, {
    problems,
    hint: `Set ${problems.length === 1 ? 'it' : 'them'} in ${file}; \`sparkbaas secrets check\` lists every key.`,
  })
}
