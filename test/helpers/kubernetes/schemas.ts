/**
 * Validates documents against the strict upstream JSON Schemas stored in test/schemas/kubernetes/ (Kubernetes
 * v1.32.2, `additionalProperties: false` on every object, so an unknown or misspelt field fails; provenance in
 * test/schemas/README.md). A document whose apiVersion/kind has no stored schema is a problem, not a pass.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv, type ValidateFunction } from 'ajv'
import { docId, type KubeDocument } from './documents.js'

const schemaDir = fileURLToPath(new URL('../../schemas/kubernetes/', import.meta.url))

/** apiVersion + kind → the stored file (named as upstream names it: `<kind>-<group>-<version>.json`). */
export const SCHEMA_FILES: Readonly<Record<string, string>> = {
  'v1 Namespace': 'namespace-v1.json',
  'v1 ConfigMap': 'configmap-v1.json',
  'v1 Secret': 'secret-v1.json',
  'v1 Service': 'service-v1.json',
  'v1 ServiceAccount': 'serviceaccount-v1.json',
  'v1 PersistentVolumeClaim': 'persistentvolumeclaim-v1.json',
  'apps/v1 Deployment': 'deployment-apps-v1.json',
  'apps/v1 StatefulSet': 'statefulset-apps-v1.json',
  'batch/v1 Job': 'job-batch-v1.json',
  'networking.k8s.io/v1 NetworkPolicy': 'networkpolicy-networking-v1.json',
  'rbac.authorization.k8s.io/v1 Role': 'role-rbac-v1.json',
  'rbac.authorization.k8s.io/v1 RoleBinding': 'rolebinding-rbac-v1.json',
}

// The schemas are OpenAPI-derived: `x-kubernetes-*` keywords (strict: false) and OpenAPI formats such as int32 or
// int-or-string that ajv does not know (validateFormats: false; the types carry the check).
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true })
// They declare `"$schema": "http://json-schema.org/schema#"` ("the latest draft"); ajv's default class resolves that
// name to its draft-07 meta-schema (ajv lib/ajv.ts), so each file is itself checked against draft-07 when compiled.

const compiled = new Map<string, ValidateFunction>()

/** The compiled validator for an apiVersion/kind, or undefined when no schema is stored for it. */
export function schemaValidator(apiVersion: string, kind: string): ValidateFunction | undefined {
  const file = SCHEMA_FILES[`${apiVersion} ${kind}`]
  if (file === undefined) return undefined
  let validate = compiled.get(file)
  if (validate === undefined) {
    validate = ajv.compile(JSON.parse(readFileSync(schemaDir + file, 'utf8')) as object)
    compiled.set(file, validate)
  }
  return validate
}

/** One human-readable problem per schema violation, `Kind/name: /json/pointer: message`. */
export function validateWithSchemas(docs: readonly KubeDocument[]): string[] {
  const problems: string[] = []
  for (const doc of docs) {
    const validate = schemaValidator(String(doc.apiVersion), String(doc.kind))
    if (validate === undefined) {
      problems.push(`${docId(doc)}: no stored JSON Schema for apiVersion ${String(doc.apiVersion)} kind ${String(doc.kind)} (known: ${Object.keys(SCHEMA_FILES).join(', ')})`)
      continue
    }
    if (validate(doc)) continue
    const seen = new Set<string>()
    for (const error of validate.errors ?? []) {
      const extra = error.keyword === 'additionalProperties' ? ` (${String(error.params.additionalProperty)})` : ''
      const line = `${docId(doc)}: ${error.instancePath || '/'}: ${error.message ?? error.keyword}${extra}`
      if (!seen.has(line)) problems.push(line)
      seen.add(line)
    }
  }
  return problems
}
