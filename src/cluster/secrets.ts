/**
 * `sparkbaas secrets check`: the keys the manifests read from their Secret (`secrets.env.example`), whether each has
 * a value in the local `secrets.env` (when kustomize makes the Secret from it) and, with `--cluster`, in the Secret
 * the cluster holds. Only key names and emptiness are ever looked at; no value is printed or kept.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SparkbaasError } from '../errors.js'
import { byCodePoint } from '../order.js'
import { displayPath, type Stack } from '../stack/context.js'
import { kubectlOrFail, type ClusterTarget } from './kubectl.js'
import { envFileKeys, generateCommand, parseSecretsExample, readKubernetesOutput, SECRETS_EXAMPLE_FILE, type KubernetesOutput, type SecretKey, type SecretSource } from './output.js'

/** `set` / `present`: a non-empty value; `empty`: the key with an empty value; `missing`: no such key (or file). */
export type LocalState = 'set' | 'empty' | 'missing'
export type ClusterState = 'present' | 'empty' | 'missing'

export interface KeyStatus extends SecretKey {
  /** null when the Secret is not made from a local file (an existing Secret). */
  readonly local: LocalState | null
  /** null without `--cluster`. */
  readonly cluster: ClusterState | null
}

export interface SecretsCheckResult {
  readonly project: string
  readonly namespace: string
  /** The Secret the manifests read; null when they read none. */
  readonly secret: SecretSource | null
  /** With `--cluster`: the Secret found there (for a generated one, its newest `<name>-<hash>`), else null. */
  readonly clusterSecret: string | null
  readonly keys: readonly KeyStatus[]
  /** Every key has a value wherever it was checked. */
  readonly ok: boolean
}

/** The keys `secrets.env.example` lists; none when the manifests read no Secret. */
export async function readSecretKeys(stack: Stack, output: KubernetesOutput): Promise<SecretKey[]> {
  if (output.secret === undefined) return []
  const file = join(output.dir, SECRETS_EXAMPLE_FILE)
  if (!existsSync(file)) {
    throw new SparkbaasError('not_generated', `${displayPath(stack, file)} does not exist: it lists the keys of Secret ${output.secret.name}.`, {
      hint: `Run \`${generateCommand(stack)}\`.`,
    })
  }
  return parseSecretsExample(await readFile(file, 'utf8'))
}

export async function secretsCheck(stack: Stack, options: { cluster?: ClusterTarget } = {}): Promise<SecretsCheckResult> {
  const output = await readKubernetesOutput(stack)
  const keys = await readSecretKeys(stack, output)
  const secret = output.secret
  const local = secret?.kind === 'generated' ? await localKeys(secret.envFile) : undefined
  const inCluster = options.cluster !== undefined && secret !== undefined ? await clusterKeys(options.cluster, output.namespace, secret) : undefined
  const statuses: KeyStatus[] = keys.map((k) => ({
    ...k,
    local: local === undefined ? null : stateOf(local.get(k.key), 'set'),
    cluster: inCluster === undefined ? null : (stateOf(inCluster.keys?.get(k.key), 'present') as ClusterState),
  }))
  const ok = statuses.every((k) => (k.local === null || k.local === 'set') && (k.cluster === null || k.cluster === 'present'))
  return { project: stack.project, namespace: output.namespace, secret: secret ?? null, clusterSecret: inCluster?.name ?? null, keys: statuses, ok }
}

const stateOf = <T extends string>(entry: { empty: boolean } | undefined, full: T): T | 'empty' | 'missing' => (entry === undefined ? 'missing' : entry.empty ? 'empty' : full)

async function localKeys(file: string): Promise<Map<string, { empty: boolean }>> {
  return existsSync(file) ? envFileKeys(await readFile(file, 'utf8')) : new Map()
}

/**
 * The keys of the Secret in the cluster. A generated Secret is named `<name>-<hash of its contents>` by kustomize, and
 * each change leaves the previous one behind (nothing is pruned): the newest is the one the last apply made.
 */
async function clusterKeys(target: ClusterTarget, namespace: string, secret: SecretSource): Promise<{ name: string | null; keys: Map<string, { empty: boolean }> | undefined }> {
  if (secret.kind === 'existing') {
    const result = await kubectlOrFail(target, ['get', 'secret', secret.name, '-n', namespace, '-o', 'json', '--ignore-not-found'], 'capture')
    if (result.stdout.trim() === '') return { name: null, keys: undefined }
    return { name: secret.name, keys: dataKeys(parseJson(result.stdout, result.argv)) }
  }
  const result = await kubectlOrFail(target, ['get', 'secrets', '-n', namespace, '-o', 'json'], 'capture')
  const list = parseJson(result.stdout, result.argv)
  const items = Array.isArray(list['items']) ? (list['items'] as unknown[]).map(asRecord) : []
  // The suffix: the first 10 hex digits of a SHA-256 with 0, 1, 3, a, e replaced by g, h, k, m, t (kustomize
  // api/hasher/hasher.go, `Encode`); the bare name when the kustomization turns the suffix off.
  const generated = new RegExp(`^${secret.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(-[2456789bcdfghkmt]{10})?$`)
  const newest = items
    .map((item) => ({ item, meta: asRecord(item['metadata']) }))
    .filter(({ meta }) => typeof meta['name'] === 'string' && generated.test(meta['name']))
    .sort((a, b) => byCodePoint(String(b.meta['creationTimestamp'] ?? ''), String(a.meta['creationTimestamp'] ?? '')) || byCodePoint(String(b.meta['name']), String(a.meta['name'])))[0]
  if (newest === undefined) return { name: null, keys: undefined }
  return { name: String(newest.meta['name']), keys: dataKeys(newest.item) }
}

/** Key names of a Secret object and whether each value is empty; the values themselves are dropped here. */
function dataKeys(secret: Record<string, unknown>): Map<string, { empty: boolean }> {
  const keys = new Map<string, { empty: boolean }>()
  for (const [key, value] of Object.entries(asRecord(secret['data']))) keys.set(key, { empty: value === '' || value === null })
  return keys
}

function parseJson(text: string, argv: readonly string[]): Record<string, unknown> {
  try {
    return asRecord(JSON.parse(text))
  } catch (error) {
    // Never echo the text: it is a Secret.
    throw new SparkbaasError('engine_failed', `Could not read the output of \`${argv.slice(0, 3).join(' ')} …\` as JSON.`, { cause: error })
  }
}

const asRecord = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {})
