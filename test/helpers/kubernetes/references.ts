/**
 * Cross-references between documents that no per-document schema can see. A pure function over the documents
 * (as `kubectl kustomize` prints them, or hand-made in tests), returning one human-readable problem per broken
 * reference, each naming the document that refers and what it refers to. Upstream facts, from kubernetes/kubernetes
 * staging/src/k8s.io/api: core/v1/types.go (ServiceSpec.selector "route service traffic to pods with label keys
 * and values matching this selector"; targetPort "number or name of the port to access on the pods"; a
 * ConfigMapKeySelector/SecretKeySelector names an object and a key in it), apps/v1/types.go (the selector "must
 * match the pod template's labels"; StatefulSetSpec.serviceName "must exist before the StatefulSet"), batch/v1
 * (a Job's pods take restartPolicy Never or OnFailure only), networking/v1/types.go (podSelector in the policy's
 * namespace; a peer's podSelector without namespaceSelector selects pods in the policy's namespace).
 */
import { docId, type KubeDocument } from './documents.js'
import { containersOf, podTemplates, selectorMatches, showSelector, type KeyItems, type LabelSelector, type PodTemplate } from './pods.js'

export interface ReferenceOptions {
  /**
   * Secrets that hold keys beyond those their documents show, by name: a Secret generated at deploy time from a
   * file that is not in the output (kustomize's secretGenerator with a `secrets.env` the user writes) has the
   * keys declared required here. A name listed here counts as an existing Secret even with no document.
   */
  readonly declaredSecretKeys?: Readonly<Record<string, readonly string[]>>
}

type Keyed = Map<string, Set<string>> // `namespace/name` → keys

const at = (namespace: string, name: string | undefined) => `${namespace}/${name ?? ''}`
const nsOf = (doc: KubeDocument) => doc.metadata?.namespace ?? ''
const spec = (doc: KubeDocument) => (doc.spec ?? {}) as Record<string, unknown>

function keyed(docs: readonly KubeDocument[], kind: string, fields: readonly string[]): Keyed {
  const map: Keyed = new Map()
  for (const doc of docs) {
    if (doc.kind !== kind) continue
    const keys = new Set<string>()
    for (const field of fields) for (const key of Object.keys((doc[field] ?? {}) as object)) keys.add(key)
    map.set(at(nsOf(doc), doc.metadata?.name), keys)
  }
  return map
}

/** Every configMapKeyRef, secretKeyRef, envFrom and configMap/secret volume (and its items) names an object and key that exist. */
export function checkConfigReferences(docs: readonly KubeDocument[], options: ReferenceOptions = {}): string[] {
  const configMaps = keyed(docs, 'ConfigMap', ['data', 'binaryData'])
  const secrets = keyed(docs, 'Secret', ['data', 'stringData'])
  const problems: string[] = []
  for (const pod of podTemplates(docs)) {
    const secretKeys = (name: string | undefined) => {
      const declared = name === undefined ? undefined : options.declaredSecretKeys?.[name]
      const found = secrets.get(at(pod.namespace, name))
      if (declared === undefined) return found
      return new Set([...(found ?? []), ...declared])
    }
    const lookups = {
      ConfigMap: (name: string | undefined) => configMaps.get(at(pod.namespace, name)),
      Secret: secretKeys,
    }
    const check = (where: string, kind: keyof typeof lookups, name: string | undefined, keys: readonly (string | undefined)[]) => {
      const found = lookups[kind](name)
      if (found === undefined) {
        problems.push(`${pod.owner}: ${where} refers to ${kind} "${name ?? ''}", which does not exist`)
        return
      }
      for (const key of keys) {
        if (!found.has(key ?? '')) problems.push(`${pod.owner}: ${where} refers to key "${key ?? ''}" of ${kind} "${name ?? ''}", which has no such key (it has: ${[...found].sort().join(', ') || 'none'})`)
      }
    }
    const itemKeys = (source: KeyItems) => (source.items ?? []).map((item) => item.key)
    for (const container of containersOf(pod.spec)) {
      const c = `container "${container.name ?? ''}"`
      for (const env of container.env ?? []) {
        const cm = env.valueFrom?.configMapKeyRef
        if (cm) check(`${c} env ${env.name ?? ''}`, 'ConfigMap', cm.name, [cm.key])
        const secret = env.valueFrom?.secretKeyRef
        if (secret) check(`${c} env ${env.name ?? ''}`, 'Secret', secret.name, [secret.key])
      }
      for (const from of container.envFrom ?? []) {
        if (from.configMapRef) check(`${c} envFrom`, 'ConfigMap', from.configMapRef.name, [])
        if (from.secretRef) check(`${c} envFrom`, 'Secret', from.secretRef.name, [])
      }
    }
    for (const volume of pod.spec.volumes ?? []) {
      const v = `volume "${volume.name ?? ''}"`
      if (volume.configMap) check(v, 'ConfigMap', volume.configMap.name, itemKeys(volume.configMap))
      if (volume.secret) check(v, 'Secret', volume.secret.secretName, itemKeys(volume.secret))
      for (const source of volume.projected?.sources ?? []) {
        if (source.configMap) check(v, 'ConfigMap', source.configMap.name, itemKeys(source.configMap))
        if (source.secret) check(v, 'Secret', source.secret.name, itemKeys(source.secret))
      }
    }
  }
  return problems
}

function selectedPods(pods: readonly PodTemplate[], namespace: string, selector: LabelSelector): PodTemplate[] {
  return pods.filter((pod) => pod.namespace === namespace && selectorMatches(selector, pod.labels))
}

/** A Service's selector selects some workload's pods, and each of its ports' targetPort (number or name) is a port of those pods. */
export function checkServices(docs: readonly KubeDocument[]): string[] {
  const pods = podTemplates(docs)
  const problems: string[] = []
  for (const doc of docs) {
    if (doc.kind !== 'Service') continue
    const selector = spec(doc).selector as Record<string, string> | undefined
    if (selector === undefined || Object.keys(selector).length === 0) continue // endpoints managed by hand
    const selected = selectedPods(pods, nsOf(doc), { matchLabels: selector })
    if (selected.length === 0) {
      problems.push(`${docId(doc)}: selector ${showSelector({ matchLabels: selector })} matches the pod labels of no workload`)
      continue
    }
    const ports = (spec(doc).ports ?? []) as readonly { name?: string; port?: number; targetPort?: number | string }[]
    for (const port of ports) {
      const target = port.targetPort ?? port.port // targetPort defaults to port
      const served = selected.some((pod) =>
        containersOf(pod.spec).some((c) => (c.ports ?? []).some((p) => (typeof target === 'string' ? p.name === target : p.containerPort === target))),
      )
      if (!served) {
        problems.push(`${docId(doc)}: port ${port.name ?? String(port.port)} targets ${typeof target === 'string' ? `the port named "${target}"` : `port ${String(target)}`}, which no container of ${selected.map((p) => p.owner).join(', ')} declares`)
      }
    }
  }
  return problems
}

const isEmpty = (selector: LabelSelector) => Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0

/** A NetworkPolicy's podSelector and its peers' podSelectors (those within its namespace) select some workload's pods. */
export function checkNetworkPolicies(docs: readonly KubeDocument[]): string[] {
  const pods = podTemplates(docs)
  const problems: string[] = []
  for (const doc of docs) {
    if (doc.kind !== 'NetworkPolicy') continue
    const s = spec(doc)
    const check = (where: string, selector: LabelSelector | undefined) => {
      if (selector === undefined || isEmpty(selector)) return // selects every pod of the namespace
      if (selectedPods(pods, nsOf(doc), selector).length === 0) problems.push(`${docId(doc)}: ${where} ${showSelector(selector)} matches the pod labels of no workload`)
    }
    check('podSelector', s.podSelector as LabelSelector | undefined)
    type Peer = { podSelector?: LabelSelector; namespaceSelector?: LabelSelector }
    const rules = [
      ...((s.ingress ?? []) as { from?: Peer[] }[]).map((rule, i) => ({ where: `ingress[${i}].from`, peers: rule.from ?? [] })),
      ...((s.egress ?? []) as { to?: Peer[] }[]).map((rule, i) => ({ where: `egress[${i}].to`, peers: rule.to ?? [] })),
    ]
    for (const { where, peers } of rules) {
      peers.forEach((peer, j) => {
        // With a namespaceSelector the pods are looked for in other namespaces, which these documents do not show.
        if (peer.namespaceSelector === undefined) check(`${where}[${j}].podSelector`, peer.podSelector)
      })
    }
  }
  return problems
}

/** Workload-internal rules: volumeMounts name a volume; a controller's selector matches its own template; Jobs do not restart Always; a StatefulSet's serviceName is a Service. */
export function checkWorkloads(docs: readonly KubeDocument[]): string[] {
  const services = new Set(docs.filter((d) => d.kind === 'Service').map((d) => at(nsOf(d), d.metadata?.name)))
  const problems: string[] = []
  for (const pod of podTemplates(docs)) {
    const s = spec(pod.doc)
    const claims = pod.doc.kind === 'StatefulSet' ? ((s.volumeClaimTemplates ?? []) as KubeDocument[]).map((t) => t.metadata?.name) : []
    const volumes = new Set([...(pod.spec.volumes ?? []).map((v) => v.name), ...claims])
    for (const container of containersOf(pod.spec)) {
      for (const mount of container.volumeMounts ?? []) {
        if (!volumes.has(mount.name)) problems.push(`${pod.owner}: container "${container.name ?? ''}" mounts volume "${mount.name ?? ''}" at ${mount.mountPath ?? '?'}, which the pod does not declare`)
      }
    }
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(String(pod.doc.kind))) {
      const selector = (s.selector ?? {}) as LabelSelector
      if (isEmpty(selector)) problems.push(`${pod.owner}: spec.selector is empty`)
      else if (!selectorMatches(selector, pod.labels)) problems.push(`${pod.owner}: spec.selector ${showSelector(selector)} does not match its own pod template labels ${showSelector({ matchLabels: pod.labels })}`)
    }
    if ((pod.doc.kind === 'Job' || pod.doc.kind === 'CronJob') && pod.spec.restartPolicy !== 'Never' && pod.spec.restartPolicy !== 'OnFailure') {
      problems.push(`${pod.owner}: the pod template's restartPolicy is ${pod.spec.restartPolicy ?? 'unset (Always)'}; a Job's pods need Never or OnFailure`)
    }
    if (pod.doc.kind === 'StatefulSet') {
      const name = s.serviceName as string | undefined
      if (!name) problems.push(`${pod.owner}: spec.serviceName is not set`)
      else if (!services.has(at(pod.namespace, name))) problems.push(`${pod.owner}: spec.serviceName "${name}" names no Service`)
    }
  }
  return problems
}

/** Every cross-reference rule, problems in document order per rule. */
export function checkReferences(docs: readonly KubeDocument[], options: ReferenceOptions = {}): string[] {
  return [...checkWorkloads(docs), ...checkServices(docs), ...checkConfigReferences(docs, options), ...checkNetworkPolicies(docs)]
}
