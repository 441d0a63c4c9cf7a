/** `sparkbaas generate`: render the stack into the output folder (or, with --check, verify it is current). */
import path from 'node:path'
import { defineCommand } from 'citty'
import { warningLine } from '../../config/warn-images.js'
import { SparkbaasError, type Problem } from '../../errors.js'
import { generate, type GenerateResult } from '../../generate.js'
import { byCodePoint } from '../../order.js'
import { printJson, printSuccess } from '../report.js'
import { CONFIG_ARG, ENV_ARG, envOption } from '../stack-args.js'

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

export default defineCommand({
  args: {
    config: CONFIG_ARG,
    env: ENV_ARG,
    out: { type: 'string', valueHint: 'dir', description: 'Output folder (default: generated/ beside the config file, generated.<env>/ for an environment)' },
    target: { type: 'string', valueHint: 'compose|kubernetes', description: "What to write, over the config's `target`: the compose stack, or Kubernetes manifests in k8s/" },
    check: { type: 'boolean', description: 'Write nothing; exit 1 when the committed output is out of date (for CI), with a diff of each file' },
    'dry-run': { type: 'boolean', description: 'Write nothing; show what would change' },
    force: { type: 'boolean', description: 'Write into a folder that holds files sparkbaas did not write (replacing those it writes)' },
    json: { type: 'boolean', description: 'Print the result as JSON on stdout' },
  },
  async run({ args }) {
    const result = await generate({
      ...(args.config ? { configFile: args.config } : {}),
      ...envOption(args),
      ...(args.out ? { outDir: args.out } : {}),
      ...(args.target === undefined ? {} : { target: targetOption(args.target) }),
      check: args.check === true,
      dryRun: args['dry-run'] === true,
      force: args.force === true,
      // For a person at a terminal: the first run pauses on the keys. Scripts, CI logs and --json get nothing.
      ...(args.json !== true && process.stderr.isTTY === true ? { onRsaKeys: (count: number) => process.stderr.write(`${rsaProgress(count)}\n`) } : {}),
    })
    if (result.mode === 'check' && !result.upToDate) {
      const error = staleError(result)
      if (!args.json) {
        // The diff is the result (stdout, like `git diff`); the summary of it is the error (stderr).
        process.stdout.write(result.drift.diff ?? '')
        throw error
      }
      // The error's JSON (report.ts's shape), with each changed file and its kind, and the files edited by hand.
      printJson({
        ok: false,
        problems: error.problems.map(({ path, message, code }) => ({ path, message, code })),
        changed: changedFiles(result),
        handEdited: result.handEdited,
      })
      return error.exitCode
    }
    // The config's warnings first: they hold whatever the output folder says.
    const warnings = [...result.configWarnings.map(warningLine), ...result.warnings]
    if (args.json) {
      const { drift: _drift, configWarnings: _configWarnings, ...rest } = result
      printJson({ ok: true, ...rest, warnings })
      return
    }
    process.stdout.write(formatResult(result))
    for (const warning of warnings) process.stderr.write(`! ${warning}\n`)
  },
})

const TARGETS = ['compose', 'kubernetes'] as const

function targetOption(value: string): (typeof TARGETS)[number] {
  const target = TARGETS.find((t) => t === value)
  if (target !== undefined) return target
  throw new SparkbaasError('usage', `--target ${JSON.stringify(value)}: expected "compose" or "kubernetes".`, {
    hint: 'sparkbaas generate --target kubernetes writes Kubernetes manifests into k8s/ of the output folder.',
  })
}

/** While the keys of realms new to .env are made: the first run, or after adding a realm. */
const rsaProgress = (count: number) =>
  count === 1 ? 'Making the RSA signing key of a Keycloak realm (once per realm)…' : `Making the RSA signing keys of ${count} Keycloak realms (once per realm)…`

/** A folder as the user would type it: relative below the current folder, absolute elsewhere. */
const where = (dir: string) => {
  const rel = path.relative(process.cwd(), dir)
  return `${rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? dir : rel}${path.sep}`
}

function formatResult(result: GenerateResult): string {
  const out = where(result.outDir)
  if (result.mode === 'check') {
    printSuccess(`${out} is up to date with ${path.basename(result.configFile)} (${plural(result.unchanged.length, 'file')})`)
    return ''
  }
  const dry = result.mode === 'dry-run'
  const headline = dry
    ? `Dry run, nothing written: ${result.written.length} to write, ${result.unchanged.length} unchanged, ${result.removed.length} to remove in ${out}`
    : `Generated ${out}: ${result.written.length} written, ${result.unchanged.length} unchanged${result.removed.length > 0 ? `, ${result.removed.length} removed` : ''}`
  printSuccess(headline)
  const lines: string[] = []
  if (dry && result.written.length > 0) lines.push(`  would write: ${result.written.join(', ')}`)
  if (result.removed.length > 0) lines.push(`  ${dry ? 'would remove' : 'removed'}: ${result.removed.join(', ')}`)
  if (result.kept.length > 0) lines.push(`  kept (edited since generated): ${result.kept.join(', ')}`)
  lines.push(`  ${plural(result.services, 'service')}, ${plural(result.routes.length, 'route')}`)
  for (const route of result.routes) lines.push(`    ${route.url}`)
  if (result.envAdded.length > 0) {
    lines.push(`  .env: ${dry ? 'would add' : 'added'} ${result.envAdded.join(', ')} (values only in ${out}.env)`)
  }
  if (result.envUnused.length > 0) lines.push(`  .env: not used by this config (kept): ${result.envUnused.join(', ')}`)
  if (result.envModeFixed) lines.push(`  .env: ${dry ? 'would set' : 'set'} to mode 0600 (it was readable by others)`)
  return `${lines.join('\n')}\n`
}

function changedFiles(result: GenerateResult): { path: string; kind: 'modified' | 'missing' | 'extra' }[] {
  const { stale, missing, extra } = result.drift
  return [
    ...stale.map((path) => ({ path, kind: 'modified' as const })),
    ...missing.map((path) => ({ path, kind: 'missing' as const })),
    ...extra.map((path) => ({ path, kind: 'extra' as const })),
  ].sort((a, b) => byCodePoint(a.path, b.path))
}

function staleError(result: GenerateResult): SparkbaasError {
  const { stale, missing, extra } = result.drift
  const byHand = new Set(result.handEdited)
  const problems: Problem[] = [
    ...stale.map((file) => ({
      path: file,
      code: 'stale',
      message: `differs from what the config generates${byHand.has(file) ? ' (edited by hand since the last `sparkbaas generate`)' : ''}`,
    })),
    ...missing.map((file) => ({ path: file, code: 'missing', message: 'is missing' })),
    ...extra.map((file) => ({ path: file, code: 'extra', message: 'is no longer generated by the config' })),
  ]
  const count = plural(problems.length, 'file')
  return new SparkbaasError('stale_output', `${where(result.outDir)} is out of date with ${path.basename(result.configFile)} (${count}):`, {
    problems,
    hint:
      byHand.size === 0
        ? 'Run `sparkbaas generate` and commit the result.'
        : 'Run `sparkbaas generate` and commit the result. It replaces the edits made by hand: to keep one, make it in the config or in a blueprint (`sparkbaas blueprints eject <name>`, then edit blueprints/) first.',
  })
}
