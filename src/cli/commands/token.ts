/**
 * `sparkbaas token`: an access token for the API and the routes with `auth`, signed with the realm key in `.env`.
 * The token alone goes to stdout, so `TOKEN=$(sparkbaas token)` and `$(sparkbaas token)` inside a curl work; what
 * it is for goes to stderr.
 */
import { defineCommand } from 'citty'
import { formatTtl, parseTtl } from '../../auth/claims.js'
import { mintToken } from '../../auth/token.js'
import { SparkbaasError } from '../../errors.js'
import { openStack } from '../../stack/context.js'
import { printJson, printSuccess } from '../report.js'
import { optionValues, STACK_ARGS, stackOptions } from '../stack-args.js'

export default defineCommand({
  args: {
    realm: { type: 'string', valueHint: 'name', description: "Realm whose key signs the token (default: the api's realm, or the only realm)" },
    user: { type: 'string', valueHint: 'username', description: "preferred_username of the token; a seed user's roles and profile come with it (default: sparkbaas-token)" },
    role: { type: 'string', valueHint: 'role', description: 'A realm role the token carries; repeat or separate with commas (default: the seed user\'s roles, else none)' },
    ttl: { type: 'string', valueHint: 'duration', description: 'How long the token is valid: 90s, 15m, 1h, 1d (default: 1h, at most 24h)' },
    ...STACK_ARGS,
  },
  async run({ args, rawArgs }) {
    const roles = optionValues(rawArgs, '--role').flatMap((value) => value.split(','))
    const empty = roles.find((role) => role.trim() === '')
    if (empty !== undefined) throw new SparkbaasError('usage', `--role needs a role name, not ${JSON.stringify(empty)}.`, { hint: 'For example: --role admin, or --role admin,user.' })
    const stack = await openStack(stackOptions(args))
    const minted = await mintToken(stack, {
      realm: args.realm,
      user: args.user,
      roles: roles.map((role) => role.trim()),
      ...(args.ttl === undefined ? {} : { ttlSeconds: parseTtl(args.ttl) }),
    })
    if (args.json) {
      printJson({ ok: true, token: minted.token, realm: minted.realm, user: minted.user, roles: minted.roles, expiresAt: minted.expiresAt.toISOString() })
      return
    }
    process.stdout.write(`${minted.token}\n`)
    const roleText = minted.roles.length === 0 ? 'no realm roles' : `realm roles ${minted.roles.join(', ')}`
    const until = minted.expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z')
    printSuccess(`Token for ${minted.user} in realm ${minted.realm}, ${roleText}, valid ${formatTtl(minted.ttlSeconds)} (until ${until}).`, process.stderr)
  },
})
