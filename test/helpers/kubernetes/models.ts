/**
 * Validates documents with the `kubernetes-models` classes: the model for the document's apiVersion/kind is
 * constructed from it and its `validate()` run (the package's own JSON Schemas, from the Kubernetes OpenAPI). It
 * checks types, required fields and enums but lets unknown fields through, which is why schemas.ts runs too.
 * An apiVersion or kind the package has no model for is a problem.
 */
import { docId, type KubeDocument } from './documents.js'

interface Model {
  validate(): void
}
type ModelClass = new (data: unknown) => Model

interface ModelError {
  readonly instancePath?: string
  readonly message?: string
  readonly params?: Record<string, unknown>
}

const modules = new Map<string, Promise<Record<string, unknown> | undefined>>()

/** The package's module for a group/version (`v1`, `apps/v1`, …), or undefined when it exports none. */
function modelModule(apiVersion: string): Promise<Record<string, unknown> | undefined> {
  let module = modules.get(apiVersion)
  if (module === undefined) {
    // The package's export map has one entry per group/version, named like the apiVersion itself.
    const specifier = `kubernetes-models/${apiVersion}`
    const load = /^[a-z0-9.-]+(\/[a-z0-9]+)?$/.test(apiVersion)
      ? (import(/* @vite-ignore */ specifier) as Promise<Record<string, unknown>>)
      : Promise.reject(new Error('not an apiVersion'))
    module = load.catch(() => undefined)
    modules.set(apiVersion, module)
  }
  return module
}

export async function validateWithModels(docs: readonly KubeDocument[]): Promise<string[]> {
  const problems: string[] = []
  for (const doc of docs) {
    const apiVersion = String(doc.apiVersion)
    const kind = String(doc.kind)
    const module = await modelModule(apiVersion)
    const Model = module?.[kind]
    if (typeof Model !== 'function' || typeof (Model as { prototype?: { validate?: unknown } }).prototype?.validate !== 'function') {
      problems.push(`${docId(doc)}: kubernetes-models has no model for apiVersion ${apiVersion} kind ${kind}`)
      continue
    }
    try {
      new (Model as ModelClass)(withUnwrappedBase64(doc)).validate()
    } catch (error) {
      const errors = (error as { errors?: readonly ModelError[] }).errors
      if (!Array.isArray(errors)) {
        problems.push(`${docId(doc)}: kubernetes-models: ${error instanceof Error ? error.message : String(error)}`)
        continue
      }
      for (const e of errors) problems.push(`${docId(doc)}: kubernetes-models: ${e.instancePath || '/'}: ${e.message ?? 'invalid'}`)
    }
  }
  return problems
}

/**
 * kustomize writes a generated Secret's long base64 values wrapped over several lines; the API server decodes them
 * with Go's encoding/base64, whose decoder ignores "\r" and "\n" (golang/go src/encoding/base64/base64.go, Decode).
 * kubernetes-models' "byte" format does not, so the line breaks are taken out before its check.
 */
function withUnwrappedBase64(doc: KubeDocument): KubeDocument {
  if (doc.kind !== 'Secret' || typeof doc['data'] !== 'object' || doc['data'] === null) return doc
  const data = Object.fromEntries(Object.entries(doc['data'] as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/[\r\n]/g, '') : v]))
  return { ...doc, data }
}
