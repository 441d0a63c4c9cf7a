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

/**
 * `up` with a one-shot job named alone: compose would start the job but nothing that waits for it, and `--wait`
 * reports a job's clean exit as a failure unless a started service depends on it (docker/compose issue 10596).
 * Every `up` runs the jobs anyway, before what needs them.
 */
export function refuseJobs(model: StackModel, names: readonly string[]): void {
  const job = model.services.find((s) => s.oneShot && names.includes(s.name))
  if (job === undefined) return
  throw new SparkbaasError('usage', `"${job.name}" is a one-shot job, which \`sparkbaas up\` runs on every start before the services that need it.`, {
    hint: `Run \`sparkbaas up\`, or name the services that need it (they run it first); \`sparkbaas logs ${job.name}\` shows its last run.`,
  })
}

/** The model's one-shot jobs, whose clean exit is their healthy end (status, up's diagnosis). */
export const jobNames = (model: StackModel): ReadonlySet<string> => new Set(model.services.filter((s) => s.oneShot).map((s) => s.name))
