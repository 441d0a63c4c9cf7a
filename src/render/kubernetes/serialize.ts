/**
 * Kubernetes objects as multi-document YAML, built only from typed objects (kubernetes-types) and written by the
 * yaml library, then parsed back and compared with what was meant, so a file that would read differently never
 * lands. The serializer options live here, once.
 */
import type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js'
import type { Job } from 'kubernetes-types/batch/v1.js'
import type { ConfigMap, Namespace, PersistentVolumeClaim, Service } from 'kubernetes-types/core/v1.js'
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js'
import { createRequire } from 'node:module'
import { SparkbaasError } from '../../errors.js'
import { header } from '../header.js'
import type { RenderedFile } from '../types.js'

export type KubeObject = Namespace | ConfigMap | PersistentVolumeClaim | Service | Deployment | StatefulSet | Job | NetworkPolicy

/** kustomize's own file (not a Kubernetes object): the fields sparkbaas writes. */
export interface Kustomization {
  apiVersion: 'kustomize.config.k8s.io/v1beta1'
  kind: 'Kustomization'
  namespace: string
  resources: string[]
  secretGenerator?: { name: string; envs: string[]; options?: { disableNameSuffixHash?: boolean } }[]
}

type Yaml = typeof import('yaml')
const require = createRequire(import.meta.url)
let yaml: Yaml | undefined
const loadYaml = (): Yaml => (yaml ??= require('yaml') as Yaml)

/**
 * - `aliasDuplicateObjects: false`: an object used twice (a selector's labels) is written twice, never as an anchor
 *   and alias, which some tools refuse;
 * - `lineWidth: 0`: no folding of long strings, so a file's text is what the object holds, line for line;
 * - YAML 1.2 core schema (the default): `"yes"`, `"on"`, `"0755"` are quoted, as Kubernetes' YAML 1.1 reader needs.
 */
const STRINGIFY_OPTIONS = { aliasDuplicateObjects: false, lineWidth: 0, minContentWidth: 0, version: '1.2' } as const

export function yamlFile(path: string, configFile: string, documents: readonly (KubeObject | Kustomization)[], comment?: string): RenderedFile {
  const { stringify, parseAllDocuments } = loadYaml()
  const text = documents.map((doc) => stringify(doc, STRINGIFY_OPTIONS)).join('---\n')
  const contents = `${header('#', configFile)}${comment === undefined ? '' : comment.split('\n').map((line) => `# ${line}\n`).join('')}${text}`
  const parsed = parseAllDocuments(contents, { uniqueKeys: true })
  const docs = Array.isArray(parsed) ? parsed : [parsed]
  const errors = docs.flatMap((doc) => doc.errors)
  const same = errors.length === 0 && JSON.stringify(docs.map((doc) => doc.toJS())) === JSON.stringify(documents)
  if (!same) {
    throw new SparkbaasError('render_failed', `internal: kubernetes wrote ${path} so that it does not read back as written${errors.length > 0 ? `: ${errors[0]!.message}` : ''}`)
  }
  return { path, contents, format: 'yaml', artifact: 'kubernetes', parsedBack: true }
}
