/**
 * `sparkbaas function new <name>`: scaffolds functions/<name>/index.ts beside the config file and prints the config
 * entry to add. Loaded lazily by the `function` command (function.ts).
 */
import path from 'node:path'
import { defineCommand } from 'citty'
import { formatValue, newFunction, type NewFunctionResult } from '../../scaffold/new-function.js'
import { printJson, printSuccess } from '../report.js'
import { CONFIG_ARG, where } from '../stack-args.js'

export default defineCommand({
  meta: { name: 'new', description: 'Scaffold functions/<name>/index.ts beside the config file and print the config entry to add.' },
  args: {
    name: { type: 'positional', required: true, description: 'The function name: lowercase letters, digits, "-" and "_"' },
    config: CONFIG_ARG,
    json: { type: 'boolean', description: 'Print the result as JSON on stdout' },
  },
  async run({ args }) {
    const result = await newFunction({ name: args.name, ...(args.config ? { configFile: args.config } : {}) })
    if (args.json) {
      const { name, file, configFile, entry, route, inConfig, routed } = result
      printJson({ ok: true, name, file, configFile, entry, route, inConfig, routed })
      return
    }
    printSuccess(`Created ${where(result.file)}`)
    process.stdout.write(formatNextSteps(result))
  },
})

/** One config entry as a line of the config's own syntax (a YAML list item, a JSON or TS array element). */
const item = (value: unknown, result: NewFunctionResult) =>
  `  ${result.syntax === 'yaml' ? '- ' : ''}${formatValue(value, result.syntax)}${result.syntax === 'ts' ? ',' : ''}`

function formatNextSteps(result: NewFunctionResult): string {
  const config = where(result.configFile)
  const key = (name: string) => (path.basename(result.configFile) === 'package.json' ? `sparkbaas.${name}` : name)
  const lines: string[] = []
  if (result.inConfig) lines.push(`It is already in \`${key('functions')}\` of ${config}.`)
  else lines.push(`Add it to \`${key('functions')}\` in ${config}:`, item(result.entry, result))
  if (!result.routed) {
    lines.push(`${result.inConfig ? 'To' : 'and, to'} serve it at api.<domain>${result.route.path}, add to \`${key('routes')}\`:`, item(result.route, result))
  }
  lines.push('Then run `npx sparkbaas generate`.')
  return `${lines.join('\n')}\n`
}
