/**
 * The whole validation of a loaded config: zod's shape check, then every cross-field rule. All problems come back
 * at once so the user can fix them in one go. The rules read typed data: when the shape check fails, they run on
 * the parts that parsed (salvage.ts), each only where every key it reads is whole enough (RULE_READS), so no rule
 * reports what is only the echo of a shape problem (a route to a function whose entry did not parse).
 */
import type { Problem } from '../errors.js'
import { salvage, type Salvaged } from './salvage.js'
import { configSchema, type ParsedConfig } from './schema.js'
import { RULE_READS, RULES, type RuleContext } from './validate.js'
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
    if (!result.success) {
      const shape = problemsFromZod(result.error.issues)
      const cross = rulesOnSalvage(salvage(input as Record<string, unknown>), ctx)
      return { ok: false, problems: byAppearance([...shape, ...cross], input) }
    }
    config = result.data
  } catch (error) {
    // A JS config can hold a getter or a proxy that throws while zod reads it. That is the user's value, not our
    // bug, so it is reported like any other problem. zod's output is plain data, so the rules below cannot hit it.
    const detail = error instanceof Error && typeof error.message === 'string' ? `: ${error.message}` : ''
    const message = `could not read the config, a value threw while being read${detail}`
    return { ok: false, problems: [{ path: '', code: 'unreadable', message }] }
  }
  const problems = RULES.flatMap((rule) => rule(config, ctx))
  return problems.length === 0 ? { ok: true, config, warnings: imageWarnings(config) } : { ok: false, problems: byAppearance(problems, input) }
}

/** The rules whose keys are whole enough, on what parsed; paths into a list with entries left out are mapped back. */
function rulesOnSalvage({ config, state, indexes }: Salvaged, ctx: RuleContext): Problem[] {
  const runs = RULES.filter((rule) =>
    Object.entries(RULE_READS.get(rule) ?? {}).every(([key, reads]) => {
      const got = state.get(key as keyof ParsedConfig)
      return got === undefined || (got === 'partial' && reads === 'each')
    }),
  )
  return runs.flatMap((rule) => rule(config, ctx)).map((problem) => {
    const match = /^([A-Za-z]+)\[(\d+)\]/.exec(problem.path)
    const original = match === null ? undefined : indexes.get(match[1] as keyof ParsedConfig)?.[Number(match[2])]
    return original === undefined ? problem : { ...problem, path: `${match![1]}[${original}]${problem.path.slice(match![0].length)}` }
  })
}

/** Orders problems as their paths appear in the config, top to bottom; at the same path, shape problems first, then rule order. */
function byAppearance(problems: readonly Problem[], root: unknown): Problem[] {
  const keyed = problems.map((problem) => ({ problem, position: position(problem.path, root) }))
  keyed.sort((a, b) => compare(a.position, b.position))
  return keyed.map(({ problem }) => problem)
}

/**
 * A path as the positions of its steps in the config as the user wrote it: array indexes as they are, object keys
 * by their order in the object (a key the user did not write, such as a missing required one, comes first). A key
 * zod had to quote (`services["Bad Name"]`) is read back from its JSON string.
 */
function position(path: string, root: unknown): number[] {
  const steps: number[] = []
  let node = root
  for (const [, bare, index, quoted] of path.matchAll(/([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (index !== undefined) {
      steps.push(Number(index))
      node = Array.isArray(node) ? node[Number(index)] : undefined
      continue
    }
    const key = bare ?? readQuoted(quoted ?? '""')
    const keys = typeof node === 'object' && node !== null ? Object.keys(node) : []
    steps.push(keys.indexOf(key))
    node = keys.includes(key) ? (node as Record<string, unknown>)[key] : undefined
  }
  return steps
}

function readQuoted(json: string): string {
  try {
    return JSON.parse(json) as string
  } catch {
    return json
  }
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0)
    if (difference !== 0) return difference
  }
  return a.length - b.length
}
