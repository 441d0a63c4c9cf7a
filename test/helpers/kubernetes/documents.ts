/**
 * The shape of a Kubernetes manifest as the checks read it: loose on purpose, since they must report on documents
 * that may be malformed (the schema check says what is wrong with the shape; the other checks read what is there).
 */
import { parseAllDocuments } from 'yaml'

export interface KubeDocument {
  readonly apiVersion?: string
  readonly kind?: string
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly labels?: Record<string, string> }
  readonly [field: string]: unknown
}

/** Parses a multi-document YAML stream; empty documents (a trailing `---`) are dropped, a YAML error throws. */
export function parseDocuments(text: string): KubeDocument[] {
  const docs: KubeDocument[] = []
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`)
    const value: unknown = doc.toJS()
    if (value === null || value === undefined) continue
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`a YAML document is not a mapping: ${JSON.stringify(value)}`)
    docs.push(value as KubeDocument)
  }
  return docs
}

/** `Kind/name` (with `namespace/` before it when set): how every problem names a document. */
export function docId(doc: KubeDocument): string {
  const name = `${doc.kind ?? '(no kind)'}/${doc.metadata?.name ?? '(no name)'}`
  return doc.metadata?.namespace ? `${doc.metadata.namespace}/${name}` : name
}
