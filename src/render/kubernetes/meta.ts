/**
 * What every Kubernetes object shares: names, labels, the namespace, content hashes. Labels follow Kubernetes'
 * recommended `app.kubernetes.io/*` set; `name` is the compose service name, so a Service resolves under the same
 * DNS name inside the namespace as the service does on the compose networks (`http://postgrest:3000`).
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js'
import { sha256 } from '../../hash.js'
import { sortKeys } from '../../order.js'
import type { MigrationFile } from '../../migrate/files.js'
import type { StackModel } from '../../model/types.js'

export const MANAGED_BY = 'sparkbaas'
/** On a pod template: a hash of the files it mounts, so a changed file rolls the pods. */
export const CONFIG_HASH_ANNOTATION = 'sparkbaas.dev/config-hash'

/** The label that puts a pod on a compose network (network-policies.ts allows traffic among pods that share one). */
export const networkLabel = (network: string): string => `sparkbaas.dev/network-${network}`

/** What the Kubernetes renderers read: the model, and the files the compose-side renderers made (path → text). */
export interface KubeContext {
  readonly model: StackModel
  /** Rendered files by output path (`traefik/dynamic.yml`, `functions/hello.mjs`, …), mounted from ConfigMaps. */
  readonly files: ReadonlyMap<string, string>
  /** `migrations/` beside the config, in version order (migrations.ts); none when there is no such folder. */
  readonly migrations: readonly MigrationFile[]
}

export const standardLabels = (model: StackModel, name: string, component: string): Record<string, string> => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/part-of': model.project,
  'app.kubernetes.io/managed-by': MANAGED_BY,
  'app.kubernetes.io/component': component,
})

/** What a workload's selector and its Service match on: labels that never change for the life of the object. */
export const selectorLabels = (model: StackModel, name: string): Record<string, string> => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/part-of': model.project,
})

/**
 * Metadata of a namespaced object: `labelName` is the compose service it belongs to (its own name by default), or
 * the project for what belongs to the whole stack (the namespace, the network policies).
 */
export function objectMeta(
  ctx: KubeContext,
  name: string,
  component: string,
  extra: { readonly labelName?: string; readonly annotations?: Record<string, string> } = {},
): ObjectMeta {
  return {
    name,
    namespace: ctx.model.kubernetes.namespace,
    labels: standardLabels(ctx.model, extra.labelName ?? name, component),
    ...(extra.annotations === undefined ? {} : { annotations: extra.annotations }),
  }
}

/** Ten hex digits of SHA-256: a content hash short enough for an object name (Job names stay under 63 characters). */
export const shortHash = (text: string): string => sha256(text).slice(0, 10)

/** JSON with object keys sorted, for hashing: two equal values hash the same whatever order built them. */
export const stableJson = (value: unknown): string => JSON.stringify(sortKeys(value))
