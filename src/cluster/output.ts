/**
 * What `sparkbaas generate --target kubernetes` leaves in `<out>/k8s/`, read back for `k8s apply|status` and
 * `secrets check`: the kustomization (namespace, the Secret generator), the manifests it lists (the workloads, the
 * Secret they read), the committed `secrets.env.example` and the git-ignored `secrets.env`. Only names are read from
 * `secrets.env`, and whether each value is empty: no value ever leaves this module.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { SparkbaasError } from '../errors.js'
import { K8S_DIR, K8S_KUSTOMIZATION, K8S_SECRETS_ENV, K8S_SECRETS_ENV_EXAMPLE } from '../layout.js'
import { byCodePoint } from '../order.js'
import { displayPath, type Stack } from '../stack/context.js'

/** The Kubernetes output's files, as the renderer names them (layout.ts), relative to its `k8s/` folder. */
export { K8S_DIR }
export const KUSTOMIZATION_FILE = basename(K8S_KUSTOMIZATION)
export const SECRETS_ENV_FILE = basename(K8S_SECRETS_ENV)
export const SECRETS_EXAMPLE_FILE = basename(K8S_SECRETS_ENV_EXAMPLE)

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'Job'] as const
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number]

export interface Workload {
  readonly kind: WorkloadKind
  readonly name: string
}

/** The Secret the manifests read: made by kustomize from `secrets.env`, or one the cluster must already hold. */
export type SecretSource =
  | { readonly kind: 'generated'; readonly name: string; readonly envFile: string }
  | { readonly kind: 'existing'; readonly name: string }

export interface KubernetesOutput {
  /** Absolute `<out>/k8s`. */
  readonly dir: string
  readonly namespace: string
  /** undefined when the manifests read no Secret. */
  readonly secret: SecretSource | undefined
  /** The Deployments, StatefulSets and Jobs the manifests define, in the order they appear. */
  readonly workloads: readonly Workload[]
}

/** The command that makes the output this module reads, for hints. */
export const generateCommand = (stack: Stack): string => `sparkbaas generate --target kubernetes${stack.env === undefined ? '' : ` --env ${stack.env}`}`

export async function readKubernetesOutput(stack: Stack): Promise<KubernetesOutput> {
  const dir = join(stack.outDir, K8S_DIR)
  const file = join(dir, KUSTOMIZATION_FILE)
  if (!existsSync(file)) {
    throw new SparkbaasError('not_generated', `${displayPath(stack, file)} does not exist: the stack has not been generated for Kubernetes there.`, {
      hint: `Run \`${generateCommand(stack)}\`.`,
    })
  }
  const kustomization = asRecord((await readYaml(stack, file))[0])
  const namespace = kustomization['namespace']
  if (typeof namespace !== 'string' || namespace === '') throw invalid(stack, file, 'it names no `namespace`')
  const resources = Array.isArray(kustomization['resources']) ? kustomization['resources'].filter((r): r is string => typeof r === 'string') : []
  const documents: unknown[] = []
  // Entries that are not files of this folder (a remote base, a folder) are kustomize's business, not read here.
  for (const resource of resources) {
    const path = join(dir, resource)
    if (/\.ya?ml$/.test(resource) && existsSync(path)) documents.push(...(await readYaml(stack, path)))
  }
  return { dir, namespace, secret: secretSource(stack, file, kustomization, documents), workloads: workloadsOf(documents) }
}

/** The generator that makes the Secret from `secrets.env`, else the one Secret the manifests name. */
function secretSource(stack: Stack, file: string, kustomization: Record<string, unknown>, documents: unknown[]): SecretSource | undefined {
  const generators = Array.isArray(kustomization['secretGenerator']) ? kustomization['secretGenerator'].map(asRecord) : []
  for (const generator of generators) {
    const envs = Array.isArray(generator['envs']) ? generator['envs'] : []
    if (typeof generator['name'] === 'string' && envs.includes(SECRETS_ENV_FILE)) {
      return { kind: 'generated', name: generator['name'], envFile: join(stack.outDir, K8S_DIR, SECRETS_ENV_FILE) }
    }
  }
  const names = [...secretNames(documents)].sort(byCodePoint)
  if (names.length === 0) return undefined
  if (names.length > 1) throw invalid(stack, file, `its manifests read ${names.length} Secrets (${names.join(', ')}), and sparkbaas expects one`)
  return { kind: 'existing', name: names[0]! }
}

/** Every Secret a manifest reads: `env[].valueFrom.secretKeyRef`, `envFrom[].secretRef`, `volumes[].secret`. */
function secretNames(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) secretNames(item, found)
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      const ref = asRecord(child)
      if ((key === 'secretKeyRef' || key === 'secretRef') && typeof ref['name'] === 'string') found.add(ref['name'])
      else if (key === 'secret' && typeof ref['secretName'] === 'string') found.add(ref['secretName'])
      else secretNames(child, found)
    }
  }
  return found
}

function workloadsOf(documents: unknown[]): Workload[] {
  const workloads: Workload[] = []
  for (const document of documents) {
    const { kind, metadata } = asRecord(document)
    const name = asRecord(metadata)['name']
    if ((WORKLOAD_KINDS as readonly unknown[]).includes(kind) && typeof name === 'string') workloads.push({ kind: kind as WorkloadKind, name })
  }
  return workloads
}

async function readYaml(stack: Stack, file: string): Promise<unknown[]> {
  const documents = parseAllDocuments(await readFile(file, 'utf8'))
  const list = Array.isArray(documents) ? documents : [documents]
  const error = list.flatMap((d) => d.errors)[0]
  if (error) throw invalid(stack, file, `it is not valid YAML (${error.message.split('\n')[0]})`)
  return list.map((d) => d.toJS() as unknown).filter((d) => d !== null && d !== undefined)
}

function invalid(stack: Stack, file: string, why: string): SparkbaasError {
  return new SparkbaasError('k8s_output_invalid', `${displayPath(stack, file)} cannot be used: ${why}.`, {
    hint: `Run \`${generateCommand(stack)}\` to write it again (hand edits there are overwritten).`,
  })
}

const asRecord = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {})

/** One key a cluster must provide, as `secrets.env.example` lists it. */
export interface SecretKey {
  readonly key: string
  /** Its `# comment` line(s), joined; `""` when it has none. */
  readonly description: string
}

/** `secrets.env.example`: each `KEY=` line, with the comment lines just above it. */
export function parseSecretsExample(text: string): SecretKey[] {
  const keys: SecretKey[] = []
  let comment: string[] = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '') comment = []
    else if (line.startsWith('#')) comment.push(line.replace(/^#+\s?/, '').trim())
    else {
      const key = line.split('=')[0]!.trim()
      if (key !== '' && !keys.some((k) => k.key === key)) keys.push({ key, description: comment.filter((c) => c !== '').join(' ') })
      comment = []
    }
  }
  return keys
}

/**
 * The keys of an env file as kustomize's secretGenerator reads it (kubernetes-sigs/kustomize api/kv/kv.go,
 * `keyValuesFromLine`): leading blanks dropped, `#` lines and blank lines skipped, the key ends at the first `=`,
 * the value is the rest verbatim (no quotes, no escapes); a line without `=` is a key with an empty value. Returns
 * only whether each value is empty.
 */
export function envFileKeys(text: string): Map<string, { readonly empty: boolean }> {
  const keys = new Map<string, { empty: boolean }>()
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '')
    if (line === '' || line.startsWith('#')) continue
    const at = line.indexOf('=')
    keys.set(at === -1 ? line : line.slice(0, at), { empty: at === -1 || at === line.length - 1 })
  }
  return keys
}
