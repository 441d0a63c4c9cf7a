/**
 * What the Kubernetes target needs of names that compose takes as they are. Every compose service becomes a
 * Service, a Deployment and labels of the same name, and Kubernetes wants a Service name to be an RFC 1035 label
 * (apimachinery validation.IsDNS1035Label: lowercase letters, digits and "-", starting with a letter, not ending
 * with "-"), which "_" or a trailing "-" breaks; the namespace (the project by default) must be an RFC 1123 label.
 * Part of RULES in validate.ts; `generate --target kubernetes` runs it too (generate.ts).
 */
import type { Problem } from '../errors.js'
import { NAMES } from './names.js'
import type { ParsedConfig } from './schema.js'

const DNS_1035_LABEL = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/

const problem = (path: string, message: string): Problem => ({ path, code: 'kubernetes_name', message })

/** A name the user can type instead: "_" as "-", no "-" at the end. */
const suggestion = (name: string) => name.replace(/_/g, '-').replace(/-+$/, '')

/** The namespace the Kubernetes target uses: `kubernetes.namespace`, else the project's name. */
export const kubernetesNamespace = (config: ParsedConfig): string => config.kubernetes.namespace ?? config.project

export function kubernetesNames(config: ParsedConfig): Problem[] {
  if (config.target !== 'kubernetes') return []
  const problems: Problem[] = []
  const why = 'with target "kubernetes" it names a Kubernetes Service, which takes lowercase letters, digits and "-", not ending with "-"'
  config.workers.forEach((worker, i) => {
    if (!DNS_1035_LABEL.test(`spark-${worker.name}`)) {
      problems.push(problem(`workers[${i}].name`, `"${worker.name}" makes the service "spark-${worker.name}"; ${why} — rename it, e.g. "${suggestion(worker.name)}"`))
    }
  })
  for (const name of Object.keys(config.services)) {
    if (!DNS_1035_LABEL.test(name)) problems.push(problem(`services.${name}`, `"${name}": ${why} — rename it, e.g. "${suggestion(name)}"`))
  }
  if (config.kubernetes.namespace === undefined && !NAMES.namespace.pattern.test(config.project)) {
    problems.push(
      problem(
        'project',
        `"${config.project}" is also the Kubernetes namespace, which cannot end with "-" — set kubernetes.namespace, e.g. "${suggestion(config.project)}", or rename the project`,
      ),
    )
  }
  return problems
}
