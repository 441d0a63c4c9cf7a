/**
 * `sparkbaas function new <name>`: scaffolds functions/<name>/index.ts beside the config file and adds it (and a
 * route) to the config file, or prints the entries to add when the file cannot be edited safely, with the reason.
 * Loaded lazily by the `function` command (function.ts).
 */
import path from 'node:path'
import { defineCommand } from 'citty'
import { formatValue, newFunction, type NewFunctionResult } from '../../scaffold/new-function.js'
import { printJson, printSuccess } from '../report.js'
import { CONFIG_ARG, where } from '../stack-args.js'

export default defineCommand({
  meta: { name: 'new', description: 'Scaffold functions/<name>/index.ts beside the config file and add it, with a route, to the config.' },
  args: {
    name: { type: 'positional', required: true, description: 'The function name: lowercase letters, digits, "-" and "_"' },
    config: CONFIG_ARG,
    route: {
      type: 'boolean',
      default: true,
      description: 'Also route http://api.<domain>/fn/<name> to it (no auth; add `auth` to the route to require a token)',
      negativeDescription: 'Add it without a route: only `sparkbaas function invoke` reaches it',
    },
    json: { type: 'boolean', description: 'Print the result as JSON on stdout' },
  },
  async run({ args }) {
    const result = await newFunction({ name: args.name, route: args.route !== false, ...(args.config ? { configFile: args.config } : {}) })
    if (args.json) {
      const { name, file, configFile, entry, route, inConfig, routed, edited, reason } = result
      printJson({ ok: true, name, file, configFile, entry, route, inConfig, routed, edited, ...(edited ? {} : { reason }) })
      return
    }
    printSuccess(`Created ${where(result.file)}`)
    if (result.edited) {
      printSuccess(addedText(result))
      process.stdout.write('Then run `npx sparkbaas generate`.\n')
      return
    }
    if (!upToDate(result)) process.stderr.write(`! Left ${where(result.configFile)} as it is: ${result.reason}.\n`)
    process.stdout.write(formatNextSteps(result))
  },
})

/** Listed already, and routed or not to be: nothing was left to add. */
const upToDate = (result: NewFunctionResult) => result.inConfig && !result.withRoute

function addedText(result: NewFunctionResult): string {
  const added = `Added it to \`functions\` in ${where(result.configFile)}`
  if (result.withRoute) return `${added}, with a route at api.<domain>${result.route.path} (no auth).`
  if (result.routed) return `${added}; a route already reaches it.`
  return `${added}, without a route: \`sparkbaas function invoke ${result.name}\` reaches it.`
}

/** One config entry as a line of the config's own syntax (a YAML list item, a JSON or TS array element). */
const item = (value: unknown, result: NewFunctionResult) =>
  `  ${result.syntax === 'yaml' ? '- ' : ''}${formatValue(value, result.syntax)}${result.syntax === 'ts' ? ',' : ''}`

function formatNextSteps(result: NewFunctionResult): string {
  const config = where(result.configFile)
  const key = (name: string) => (path.basename(result.configFile) === 'package.json' ? `sparkbaas.${name}` : name)
  const lines: string[] = []
  if (result.inConfig) lines.push(`It is already in \`${key('functions')}\` of ${config}.`)
  else lines.push(`Add it to \`${key('functions')}\` in ${config}:`, item(result.entry, result))
  if (result.withRoute) {
    lines.push(`${result.inConfig ? 'To' : 'and, to'} serve it at api.<domain>${result.route.path}, add to \`${key('routes')}\`:`, item(result.route, result))
  }
  lines.push('Then run `npx sparkbaas generate`.')
  return `${lines.join('\n')}\n`
}
