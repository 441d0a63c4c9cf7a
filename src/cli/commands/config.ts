/** `sparkbaas config show`: the config an environment runs with, overlay merged, defaults filled, validated. */
import { defineCommand } from 'citty'
import { stringify } from 'yaml'
import { environmentNames } from '../../config/environments.js'
import { checkLoaded } from '../../config/load-and-check.js'
import { loadConfig } from '../../config/load.js'
import { warningLine } from '../../config/warn-images.js'
import { printJson } from '../report.js'
import { CONFIG_ARG, ENV_ARG, envOption, JSON_ARG } from '../stack-args.js'

const showCommand = defineCommand({
  meta: { name: 'show', description: 'Print the config an environment runs with: its overlay merged, every key filled in, validated (YAML, or --json).' },
  args: { config: CONFIG_ARG, env: ENV_ARG, json: JSON_ARG },
  async run({ args }) {
    const options = { ...(args.config ? { configFile: args.config } : {}), ...envOption(args) }
    const loaded = await loadConfig(options)
    const names = environmentNames(loaded.config)
    const checked = checkLoaded(loaded.config, loaded.filepath, loaded.configDir, options.env)
    // The overlays are not part of any one environment's config: they are listed by name instead.
    const { environments: _environments, ...config } = checked.config
    const warnings = checked.warnings.map(warningLine)
    if (args.json) {
      printJson({ ok: true, configFile: checked.filepath, environment: checked.environment ?? null, environments: names, config, warnings })
      return
    }
    const which = checked.environment === undefined ? 'the default environment (the config as written)' : `environment ${checked.environment}`
    const others = names.length === 0 ? '' : `; environments: ${names.join(', ')}`
    process.stdout.write(`# ${which}, from ${checked.filepath}${others}\n${stringify(config, { lineWidth: 0 })}`)
    for (const warning of warnings) process.stderr.write(`! ${warning}\n`)
  },
})

export default defineCommand({
  meta: { name: 'config', description: 'Inspect the config: show.' },
  subCommands: { show: showCommand },
})
