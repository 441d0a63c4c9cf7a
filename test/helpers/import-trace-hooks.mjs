// Module resolution hooks (they run on Node's loader thread); see import-trace.mjs.
import { appendFileSync } from 'node:fs'

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context)
  if (process.env.IMPORT_TRACE_FILE) appendFileSync(process.env.IMPORT_TRACE_FILE, `${result.url}\n`)
  return result
}
