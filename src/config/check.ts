/**
 * The whole validation of a loaded config: zod's shape check, then every cross-field rule. All problems come back
 * at once so the user can fix them in one go. The rules read typed data, so they only run once the shape is right.
 */
import type { Problem } from '../errors.js'
import { configSchema, type ParsedConfig } from './schema.js'
import { RULES, type RuleContext } from './validate.js'
import { imageWarnings } from './warn-images.js'
import { describeReceived, problemsFromZod } from './zod-problems.js'

/** `warnings` are what the config may do but probably should not (an unpinned image); they never refuse it. */
export type CheckResult = { ok: true; config: ParsedConfig; warnings: Problem[] } | { ok: false; problems: Problem[] }

/** Checks any value a config file produced. Never throws: whatever is wrong comes back as problems. */
export function checkConfig(input: unknown, ctx: RuleContext): CheckResult {
  let config: ParsedConfig
  try {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      const message = `expected the config to be an object such as { project: "acme" }, received ${describeReceived(input)}`
      return { ok: false, problems: [{ path: '', code: 'invalid_type', message }] }
    }
    const result = configSchema.safeParse(input, { reportInput: true })
    if (!result.success) return { ok: false, problems: problemsFromZod(result.error.issues) }
    config = result.data
  } catch (error) {
    // A JS config can hold a getter or a proxy that throws while zod reads it. That is the user's value, not our
    // bug, so it is reported like any other problem. zod's output is plain data, so the rules below cannot hit it.
    const detail = error instanceof Error && typeof error.message === 'string' ? `: ${error.message}` : ''
    const message = `could not read the config, a value threw while being read${detail}`
    return { ok: false, problems: [{ path: '', code: 'unreadable', message }] }
  }
  const problems = RULES.flatMap((rule) => rule(config, ctx))
  return problems.length === 0 ? { ok: true, config, warnings: imageWarnings(config) } : { ok: false, problems: byAppearance(problems, config) }
}

/** Orders problems as their paths appear in the config, top to bottom; problems at the same path keep rule order. */
function byAppearance(problems: readonly Problem[], config: ParsedConfig): Problem[] {
  const keyed = problems.map((problem) => ({ problem, position: position(problem.path, config) }))
  keyed.sort((a, b) => compare(a.position, b.position))
  return keyed.map(({ problem }) => problem)
}

/**
 * A path as the positions of its steps: array indexes as they are, object keys by their order in the object.
 * Rule paths only hold schema keys and validated names, so a plain split is enough (no quoted keys).
 */
function position(path: string, root: unknown): number[] {
  const steps: number[] = []
  let node = root
  for (const [, key = '', index] of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (index !== undefined) {
      steps.push(Number(index))
      node = Array.isArray(node) ? node[Number(index)] : undefined
      continue
    }
    const keys = typeof node === 'object' && node !== null ? Object.keys(node) : []
    steps.push(keys.indexOf(key))
    node = keys.includes(key) ? (node as Record<string, unknown>)[key] : undefined
  }
  return steps
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0)
    if (difference !== 0) return difference
  }
  return a.length - b.length
}
