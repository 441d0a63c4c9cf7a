/**
 * What the cross-reference rules need from workloads: each workload's pod template (labels and spec), and
 * label-selector matching as Kubernetes defines it (matchLabels AND every matchExpression; an empty selector
 * selects everything). Facts from kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go
 * (LabelSelector, LabelSelectorOperator: In, NotIn, Exists, DoesNotExist).
 */
import { docId, type KubeDocument } from './documents.js'

export type Labels = Readonly<Record<string, string>>

export interface LabelSelector {
  readonly matchLabels?: Labels
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[]
}

export interface Container {
  readonly name?: string
  readonly ports?: readonly { readonly containerPort?: number; readonly name?: string }[]
  readonly env?: readonly {
    readonly name?: string
    readonly valueFrom?: {
      readonly configMapKeyRef?: { readonly name?: string; readonly key?: string }
      readonly secretKeyRef?: { readonly name?: string; readonly key?: string }
    }
  }[]
  readonly envFrom?: readonly { readonly configMapRef?: { readonly name?: string }; readonly secretRef?: { readonly name?: string } }[]
  readonly volumeMounts?: readonly { readonly name?: string; readonly mountPath?: string }[]
}

export interface KeyItems {
  readonly items?: readonly { readonly key?: string; readonly path?: string }[]
}

export interface Volume {
  readonly name?: string
  readonly configMap?: KeyItems & { readonly name?: string }
  readonly secret?: KeyItems & { readonly secretName?: string }
  readonly projected?: {
    readonly sources?: readonly {
      readonly configMap?: KeyItems & { readonly name?: string }
      readonly secret?: KeyItems & { readonly name?: string }
    }[]
  }
}

export interface PodSpec {
  readonly containers?: readonly Container[]
  readonly initContainers?: readonly Container[]
  readonly volumes?: readonly Volume[]
  readonly restartPolicy?: string
}

export interface PodTemplate {
  /** The workload, `Kind/name`. */
  readonly owner: string
  readonly doc: KubeDocument
  readonly namespace: string
  readonly labels: Labels
  readonly spec: PodSpec
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'])

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

/** The pod template of each workload (CronJob through its jobTemplate); a bare Pod is its own template. */
export function podTemplates(docs: readonly KubeDocument[]): PodTemplate[] {
  const templates: PodTemplate[] = []
  for (const doc of docs) {
    const spec = record(doc.spec)
    let template: Record<string, unknown> | undefined
    if (doc.kind === 'Pod') template = { metadata: doc.metadata, spec: doc.spec }
    else if (doc.kind === 'CronJob') template = record(record(record(spec.jobTemplate).spec).template)
    else if (WORKLOAD_KINDS.has(String(doc.kind))) template = record(spec.template)
    if (template === undefined) continue
    templates.push({
      owner: docId(doc),
      doc,
      namespace: doc.metadata?.namespace ?? '',
      labels: record(record(template.metadata).labels) as Labels,
      spec: record(template.spec) as PodSpec,
    })
  }
  return templates
}

/** Every container of a pod, init containers included. */
export function containersOf(spec: PodSpec): readonly Container[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])]
}

/** Whether the labels satisfy the selector. */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key)
    const ok =
      operator === 'In' ? has && values.includes(labels[key] as string)
      : operator === 'NotIn' ? !has || !values.includes(labels[key] as string)
      : operator === 'Exists' ? has
      : operator === 'DoesNotExist' ? !has
      : false
    if (!ok) return false
  }
  return true
}

/** The selector as text for messages: `{a=b, c In (x,y)}`. */
export function showSelector(selector: LabelSelector): string {
  const parts = [
    ...Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(selector.matchExpressions ?? []).map((e) => `${e.key} ${e.operator}${e.values ? ` (${e.values.join(',')})` : ''}`),
  ]
  return `{${parts.join(', ')}}`
}
