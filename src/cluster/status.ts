/**
 * `sparkbaas k8s status`: the stack's Deployments, StatefulSets and Jobs in its namespace, each ready or not, with
 * the reason its pods give when not (ImagePullBackOff, CrashLoopBackOff, CreateContainerConfigError for a Secret key
 * that is missing), in the order the manifests define them. Workloads the manifests define that the cluster does not
 * have are `not created`, as services without a container are in `sparkbaas status`.
 *
 * "Ready" follows `kubectl rollout status` (kubernetes/kubectl pkg/polymorphichelpers/rollout_status.go): a
 * Deployment whose controller has seen its last change, with every replica updated and available and no old one
 * left; a StatefulSet with every replica ready on the update revision; a Job with a `Complete` condition.
 */
import { SparkbaasError } from '../errors.js'
import { byCodePoint } from '../order.js'
import type { Stack } from '../stack/context.js'
import { kubectlOrFail, type ClusterTarget } from './kubectl.js'
import { readKubernetesOutput, WORKLOAD_KINDS, type WorkloadKind } from './output.js'

export const PART_OF = 'app.kubernetes.io/part-of'
export const NAME_LABEL = 'app.kubernetes.io/name'
export const NOT_CREATED = 'not created'

export interface WorkloadStatus {
  readonly name: string
  readonly kind: WorkloadKind
  /** Ready replicas; for a Job, pods that succeeded. */
  readonly ready: number
  /** Replicas wanted; for a Job, completions wanted; null when not created. */
  readonly desired: number | null
  /** `ready`, `complete`, `progressing`, `running`, `failed`, `not created`. */
  readonly state: string
  /** Why it is not ready, from its pods or its conditions; null when ready or unknown. */
  readonly reason: string | null
  /** Whether it counts as up: ready, or a Job that completed. */
  readonly ok: boolean
}

export interface K8sStatusResult {
  readonly project: string
  readonly namespace: string
  readonly workloads: readonly WorkloadStatus[]
  /** Every workload is ready (or a completed Job), and there is at least one. */
  readonly ok: boolean
}

export async function k8sStatus(stack: Stack, target: ClusterTarget): Promise<K8sStatusResult> {
  const output = await readKubernetesOutput(stack)
  const args = ['get', 'deployments,statefulsets,jobs,pods', '-n', output.namespace, '-l', `${PART_OF}=${stack.project}`, '-o', 'json']
  const result = await kubectlOrFail(target, args, 'capture')
  const items = parseList(result.stdout)
  const found = items.filter((item) => (WORKLOAD_KINDS as readonly string[]).includes(item.kind)).map((item) => workloadStatus(item, items))
  const missing = output.workloads
    .filter((w) => !found.some((f) => f.kind === w.kind && f.name === w.name))
    .map((w): WorkloadStatus => ({ name: w.name, kind: w.kind, ready: 0, desired: null, state: NOT_CREATED, reason: null, ok: false }))
  // The manifests' order, as `status` keeps the model's; what the cluster has beyond them comes last, by name.
  const rank = (w: WorkloadStatus) => {
    const at = output.workloads.findIndex((m) => m.kind === w.kind && m.name === w.name)
    return at === -1 ? output.workloads.length : at
  }
  const workloads = [...found, ...missing].sort((a, b) => rank(a) - rank(b) || byCodePoint(a.name, b.name))
  return { project: stack.project, namespace: output.namespace, workloads, ok: workloads.length > 0 && workloads.every((w) => w.ok) }
}

interface Item {
  readonly kind: string
  readonly metadata: Rec
  readonly spec: Rec
  readonly status: Rec
}
type Rec = Record<string, unknown>

function parseList(stdout: string): Item[] {
  let list: unknown
  try {
    list = JSON.parse(stdout)
  } catch (error) {
    throw new SparkbaasError('engine_failed', `Could not read the output of \`kubectl get … -o json\`: ${stdout.split('\n')[0]?.slice(0, 200)}`, { cause: error })
  }
  const items = Array.isArray(rec(list)['items']) ? (rec(list)['items'] as unknown[]) : []
  return items.map((i) => ({ kind: String(rec(i)['kind'] ?? ''), metadata: rec(rec(i)['metadata']), spec: rec(rec(i)['spec']), status: rec(rec(i)['status']) }))
}

function workloadStatus(item: Item, items: readonly Item[]): WorkloadStatus {
  const kind = item.kind as WorkloadKind
  const name = String(item.metadata['name'] ?? '')
  const { spec, status } = item
  const seen = num(status['observedGeneration']) >= num(item.metadata['generation'])
  const condition = (type: string) => (Array.isArray(status['conditions']) ? (status['conditions'] as unknown[]).map(rec) : []).find((c) => c['type'] === type)
  let state: string
  let ready: number
  let desired: number
  let reason: string | null = null
  if (kind === 'Job') {
    desired = typeof spec['completions'] === 'number' ? spec['completions'] : 1
    ready = num(status['succeeded'])
    const failed = condition('Failed')
    state = condition('Complete')?.['status'] === 'True' ? 'complete' : failed?.['status'] === 'True' ? 'failed' : 'running'
    if (state === 'failed') reason = str(failed?.['reason']) ?? null
  } else {
    desired = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1
    ready = num(status['readyReplicas'])
    if (kind === 'Deployment') {
      const progressing = condition('Progressing')
      const updated = num(status['updatedReplicas'])
      const done = seen && updated >= desired && num(status['replicas']) <= updated && num(status['availableReplicas']) >= updated
      state = seen && progressing?.['reason'] === 'ProgressDeadlineExceeded' ? 'failed' : done ? 'ready' : 'progressing'
      if (state === 'failed') reason = 'ProgressDeadlineExceeded'
    } else {
      const sameRevision = status['updateRevision'] === undefined || status['updateRevision'] === status['currentRevision']
      state = seen && num(status['observedGeneration']) > 0 && ready >= desired && sameRevision ? 'ready' : 'progressing'
    }
  }
  const ok = state === 'ready' || state === 'complete'
  if (!ok && reason === null) reason = podReason(item, items)
  return { name, kind, ready, desired, state, reason, ok }
}

/** The first reason a pod of the workload gives for not running: a container waiting, or the pod unschedulable. */
function podReason(workload: Item, items: readonly Item[]): string | null {
  const label = rec(workload.metadata['labels'])[NAME_LABEL]
  if (typeof label !== 'string') return null
  for (const pod of items.filter((i) => i.kind === 'Pod' && rec(i.metadata['labels'])[NAME_LABEL] === label)) {
    const containers = [pod.status['initContainerStatuses'], pod.status['containerStatuses']].flatMap((list) => (Array.isArray(list) ? list.map(rec) : []))
    for (const container of containers) {
      const waiting = str(rec(rec(container['state'])['waiting'])['reason'])
      if (waiting !== undefined && waiting !== 'PodInitializing' && waiting !== 'ContainerCreating') return waiting
    }
    const scheduled = (Array.isArray(pod.status['conditions']) ? (pod.status['conditions'] as unknown[]).map(rec) : []).find((c) => c['type'] === 'PodScheduled')
    if (scheduled?.['status'] === 'False') return str(scheduled['reason']) ?? 'Unschedulable'
  }
  return null
}

const rec = (value: unknown): Rec => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Rec) : {})
const num = (value: unknown): number => (typeof value === 'number' ? value : 0)
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined)
