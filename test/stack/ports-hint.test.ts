/** The busy-port hint: which key moves each busy port, and in which file; a web port says every URL follows it. */
import { expect, test } from 'vitest'
import { portBusyHint, type HostPort } from '../../src/stack/ports.js'

const port = (key: string, file: string, n: number, service: string): HostPort => ({ service, key, file, port: n, bind: undefined })
const HTTP = port('ports.http', 'sparkbaas.config.ts', 80, 'traefik')
const HTTPS = port('ports.https', 'sparkbaas.config.ts', 443, 'traefik')
const PG = port('POSTGRES_HOST_PORT', 'generated/.env', 5432, 'postgres')
const WEB = " Every public URL follows the config's ports, Keycloak's issuer included: `up` regenerates with the new one."

test.each([[HTTP], [HTTPS]])('%o: the config key, and that every URL follows it', (busy) => {
  expect(portBusyHint([busy])).toBe(`Stop what holds the port, or set ${busy.key} in sparkbaas.config.ts to a free port, then run \`sparkbaas up\` again.${WEB}`)
})

test('POSTGRES_HOST_PORT alone: just what to do', () => {
  expect(portBusyHint([PG])).toBe('Stop what holds the port, or set POSTGRES_HOST_PORT in generated/.env to a free port, then run `sparkbaas up` again.')
})

test('ports in both files: each key in its own file', () => {
  expect(portBusyHint([PG, HTTP, HTTPS])).toBe(
    `Stop what holds the port, or set POSTGRES_HOST_PORT in generated/.env, or ports.http and ports.https in sparkbaas.config.ts to a free port, then run \`sparkbaas up\` again.${WEB}`,
  )
})
