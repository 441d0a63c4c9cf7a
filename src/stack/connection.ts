/**
 * `sparkbaas status -o env`: how a local script reaches the stack, as KEY=value lines that both a shell (`eval`,
 * `set -a; . file`) and dotenv readers take.
 *
 * DATABASE_URL carries the real password. A `${POSTGRES_PASSWORD}` placeholder would leave every consumer to find
 * the secret on its own, which defeats the purpose; the value is only printed when asked for, it is already in
 * `.env` on the same machine, and Postgres is published on 127.0.0.1 only. The output says so in a comment.
 */
import { ENV, envName } from '../model/env-vars.js'
import type { StackModel } from '../model/types.js'
import type { EnvLookup } from './context.js'
import { stackUrls } from './urls.js'

export interface ConnectionSettings {
  readonly entries: readonly { readonly key: string; readonly value: string }[]
  /** Lines for the reader, printed as `#` comments. */
  readonly notes: readonly string[]
}

export function connectionSettings(model: StackModel, env: EnvLookup): ConnectionSettings {
  const entries: { key: string; value: string }[] = []
  const notes: string[] = [`Connection settings of stack ${model.project} (sparkbaas status -o env).`]
  const database = model.postgres.databases[0]
  const published = model.services.find((s) => s.name === 'postgres')?.ports.length
  const port = env(ENV.postgresHostPort)
  const password = env(ENV.postgresPassword)
  if (!published) {
    notes.push('No DATABASE_URL: Postgres is not published on the host (set postgres.exposePort to publish it).')
  } else if (port && password && database) {
    notes.push('DATABASE_URL holds the Postgres superuser password: keep this output out of logs and commits.')
    entries.push({ key: 'DATABASE_URL', value: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}` })
  }
  const urls = stackUrls(model, env)
  if (urls.api) entries.push({ key: 'API_URL', value: urls.api })
  if (urls.keycloak) entries.push({ key: 'KEYCLOAK_URL', value: urls.keycloak })
  for (const realm of model.realms) {
    entries.push({ key: envName('REALM', realm.name, 'ISSUER'), value: realm.issuer })
    if (realm.clients.length > 0) entries.push({ key: envName('REALM', realm.name, 'CLIENT_IDS'), value: realm.clients.map((c) => c.id).join(',') })
  }
  return { entries, notes }
}

/** Values that are not plain are single-quoted: literal for both a shell and compose-style dotenv readers. */
export function formatConnectionSettings(settings: ConnectionSettings): string {
  const quote = (value: string) => (/^[\w@%+=:,./-]*$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`)
  return [...settings.notes.map((n) => `# ${n}`), ...settings.entries.map(({ key, value }) => `${key}=${quote(value)}`)].join('\n') + '\n'
}
