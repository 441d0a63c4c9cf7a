/** `sparkbaas validate`: load and check the config, then say in one line what stack it describes. */
import path from 'node:path'
import { defineCommand } from 'citty'
import { loadAndCheck } from '../../config/load-and-check.js'
import { configNotes } from '../../config/notes.js'
import { warningLine } from '../../config/warn-images.js'
import { resolveModel } from '../../model/resolve.js'
import { summarize } from '../../model/summary.js'
import { printJson, printSuccess } from '../report.js'
import { CONFIG_ARG, ENV_ARG, envOption } from '../stack-args.js'

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

export default defineCommand({
  args: {
    config: CONFIG_ARG,
    env: ENV_ARG,
    json: { type: 'boolean', description: 'Print the result as JSON on stdout' },
  },
  async run({ args }) {
    const { config, filepath, warnings, environment } = await loadAndCheck({ ...(args.config ? { configFile: args.config } : {}), ...envOption(args) })
    const summary = summarize(resolveModel(config, { configFile: filepath }))
    const lines = [...configNotes(config), ...warnings.map(warningLine)]
    if (args.json) {
      printJson({ ok: true, project: summary.project, services: summary.services.length, containers: summary.containers, routes: summary.routes, configFile: filepath, environment: environment ?? null, warnings: lines })
      return
    }
    const where = path.relative(process.cwd(), filepath)
    const env = environment === undefined ? '' : `, environment ${environment}`
    printSuccess(`${summary.project}: ${plural(summary.services.length, 'service')}, ${plural(summary.routes, 'route')} (${where}${env})`)
    for (const line of lines) process.stderr.write(`! ${line}\n`)
  },
})
