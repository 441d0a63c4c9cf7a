/** `sparkbaas up [service…]`: generate when stale, check host ports, start with `compose up --wait`, print the URLs. */
import { join } from 'node:path'
import { defineCommand } from 'citty'
import { DEFAULT_TTL_SECONDS, formatTtl } from '../../auth/claims.js'
import { ENV_FILE } from '../../engine/compose.js'
import { openStack } from '../../stack/context.js'
import { up, type UpResult } from '../../stack/up.js'
import { printJson, printSuccess } from '../report.js'
import { variadic } from '../run.js'
import { STACK_ARGS, stackOptions, wholeNumber, where } from '../stack-args.js'

export default defineCommand({
  args: {
    service: variadic({ type: 'positional', required: false, description: 'Services to start, with what they depend on (default: all)' }),
    timeout: { type: 'string', valueHint: 'seconds', description: 'How long to wait for the healthchecks (compose --wait-timeout)' },
    generate: {
      type: 'boolean',
      default: true,
      description: 'Regenerate the output first when it is out of date with the config',
      negativeDescription: 'Refuse to start when the output is out of date',
    },
    ...STACK_ARGS,
  },
  async run({ args }) {
    const json = args.json === true
    const timeoutSeconds = wholeNumber(args.timeout, '--timeout', 1, '`sparkbaas up --timeout 300`')
    const stack = await openStack(stackOptions(args))
    const envFile = where(join(stack.outDir, ENV_FILE))
    const result = await up(stack, {
      services: args._,
      regenerate: args.generate !== false,
      output: json ? 'capture' : 'stream',
      ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
      onStep: (step) => {
        if (json) return
        if (step.kind === 'regenerated') {
          printSuccess(`Regenerated ${where(stack.outDir)}/ (it was out of date with the config): ${step.report.written.length} written${step.report.removed.length > 0 ? `, ${step.report.removed.length} removed` : ''}`)
          for (const warning of step.report.warnings) process.stderr.write(`! ${warning}\n`)
        } else if (step.kind === 'warning') {
          process.stderr.write(`! ${step.message}\n`)
        } else {
          process.stderr.write(`Starting ${stack.project} with ${step.engine.name}, waiting until every service is healthy…\n`)
        }
      },
    })
    if (json) {
      printJson({
        ok: true,
        project: result.project,
        engine: result.engine,
        services: result.services,
        regenerated: result.regenerated === undefined ? [] : result.regenerated.written,
        warnings: result.warnings,
        routes: result.routes,
        keycloak: result.keycloakLogin === undefined ? null : { ...result.keycloakLogin, envFile: join(stack.outDir, ENV_FILE) },
        apiCall: result.apiCall ?? null,
      })
      return
    }
    process.stdout.write(formatUp(result, envFile))
  },
})

function formatUp(result: UpResult, envFile: string): string {
  const { services } = result
  printSuccess(services.length === 0 ? `${result.project} is up` : `${result.project}: ${services.join(', ')} ${services.length === 1 ? 'is' : 'are'} up`)
  const lines = result.routes.map((route) => `  ${route.url}`)
  const login = result.keycloakLogin
  if (login) {
    if (login.adminConsole !== null) lines.push(`  Keycloak admin console: ${login.adminConsole}`)
    else {
      const user = login.username ?? '<user>'
      lines.push(
        '  Keycloak admin console: not served (keycloak.adminConsole is "off"); set it to "public", or use',
        `    \`sparkbaas exec keycloak -- /opt/keycloak/bin/kcadm.sh config credentials --server http://localhost:8080 --realm master --user ${user}\``,
      )
    }
    if (login.username) lines.push(`    user: ${login.username}`)
    lines.push(`    password: in ${envFile} (${login.passwordKey})`)
  }
  if (result.apiCall) {
    lines.push(
      `  Call the API with a token of realm ${result.apiCall.realm} (valid ${formatTtl(DEFAULT_TTL_SECONDS)}; \`sparkbaas token --help\` for more):`,
      `    ${result.apiCall.curl}`,
    )
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`
}
