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
import { codeUnitName, hex4 } from '../escape.js'
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

/**
 * Characters that must not appear raw in a file Go's YAML reads (kubectl, kustomize: gopkg.in/yaml.v3 and its
 * forks). Its reader refuses C0 controls but tab, LF and CR, DEL, C1 controls but NEL, U+FFFE and U+FFFF ("control
 * characters are not allowed": readerc.go, yaml_parser_update_buffer), and it takes NEL, U+2028 and U+2029 as line
 * breaks (yamlprivateh.go, is_break), which a quoted scalar folds to a space; a raw CR is a line break too, and a
 * BOM after the start is no character of the text. JavaScript's yaml library writes all but the C0 controls raw
 * (its double-quoted style escapes what JSON.stringify escapes). A migration or a function bundle may hold any of them.
 */
const GO_YAML_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/
/**
 * A text whose first line with anything on it starts with a tab: the yaml library writes it as a `|` block, whose
 * indentation Go's reader then takes from that tab and refuses ("found a tab character where an indentation space is
 * expected"; measured with kubectl kustomize). Written double-quoted instead.
 */
const LEADING_TAB = /^\n*\t/
/** Those of them the yaml library leaves raw inside a double-quoted scalar. */
const LEFT_RAW = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g

/**
 * One document as YAML Go reads as JavaScript does: a string holding a character of {@link GO_YAML_UNSAFE} is
 * written double-quoted, and what the library leaves raw in it is written as a `\uXXXX` escape (valid only inside
 * double quotes, where every such character now is).
 */
function stringifyDocument(yaml: Yaml, value: KubeObject | Kustomization): string {
  const doc = new yaml.Document(value, STRINGIFY_OPTIONS)
  let escapes = false
  yaml.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return
      if (GO_YAML_UNSAFE.test(node.value)) {
        node.type = 'QUOTE_DOUBLE'
        escapes = true
      } else if (LEADING_TAB.test(node.value)) {
        node.type = 'QUOTE_DOUBLE'
      }
    },
  })
  const text = doc.toString(STRINGIFY_OPTIONS)
  return escapes ? text.replace(LEFT_RAW, hex4) : text
}

export function yamlFile(path: string, configFile: string, documents: readonly (KubeObject | Kustomization)[], comment?: string): RenderedFile {
  const yaml = loadYaml()
  const text = documents.map((doc) => stringifyDocument(yaml, doc)).join('---\n')
  const contents = `${header('#', configFile)}${comment === undefined ? '' : comment.split('\n').map((line) => `# ${line}\n`).join('')}${text}`
  const parsed = yaml.parseAllDocuments(contents, { uniqueKeys: true })
  const docs = Array.isArray(parsed) ? parsed : [parsed]
  const errors = docs.flatMap((doc) => doc.errors)
  const raw = GO_YAML_UNSAFE.exec(contents)
  const same = errors.length === 0 && raw === null && JSON.stringify(docs.map((doc) => doc.toJS())) === JSON.stringify(documents)
  if (!same) {
    const why = errors.length > 0 ? `: ${errors[0]!.message}` : raw !== null ? `: ${codeUnitName(raw[0])} left raw` : ''
    throw new SparkbaasError('render_failed', `internal: kubernetes wrote ${path} so that it does not read back as written${why}`)
  }
  return { path, contents, format: 'yaml', artifact: 'kubernetes', parsedBack: true }
}
