/** The busy-port hint: which key moves each busy port, and in which file; a web port says every URL follows it. */
import { expect, test } from 'vitest'
import { checkHostPorts, portBusyHint, type HostPort } from '../../src/stack/ports.js'

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

test('a .env port set to a web port of the config: both named, the later one to move', async () => {
  // POSTGRES_HOST_PORT lives in .env and ports.http in the config, so validate cannot see the clash; `up` does.
  // Both ports count as this stack's own here, so nothing is probed on the machine.
  const clash = { ...PG, port: 80 }
  const error = await checkHostPorts([HTTP, clash], new Set([80])).then(
    () => undefined,
    (e: unknown) => e as { message: string; problems: unknown; hint: string },
  )
  expect(error?.message).toBe('A host port the stack publishes cannot be used:')
  expect(error?.problems).toEqual([
    { path: 'POSTGRES_HOST_PORT', code: 'port_busy', message: 'port 80 is also ports.http (traefik); each needs its own port' },
  ])
  expect(error?.hint).toBe('Stop what holds the port, or set POSTGRES_HOST_PORT in generated/.env to a free port, then run `sparkbaas up` again.')
})
