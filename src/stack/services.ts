/** Service names given on the command line, checked against the model before compose sees them. */
import { SparkbaasError } from '../errors.js'
import type { StackModel } from '../model/types.js'

/** Throws a usage error (exit 2) naming the first unknown service and listing the real ones. */
export function checkServices(model: StackModel, names: readonly string[]): void {
  const known = model.services.map((s) => s.name)
  const unknown = names.find((name) => !known.includes(name))
  if (unknown === undefined) return
  throw new SparkbaasError('usage', `Unknown service "${unknown}": stack ${model.project} has no such service.`, {
    hint: `Its services are: ${known.join(', ')}.`,
  })
}
