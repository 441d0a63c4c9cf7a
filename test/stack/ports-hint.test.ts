/** The busy-port hint: moving a web port has a cost the user is told about; moving Postgres's has none. */
import { expect, test } from 'vitest'
import { portBusyHint } from '../../src/stack/ports.js'

const BASE = 'Stop what holds the port, or set the key shown to a free port in generated/.env, then run `sparkbaas up` again.'
const WEB = " On another web port the API and its tokens work, but Keycloak's login pages and admin console still link to the standard one."

test.each(['HTTP_PORT', 'HTTPS_PORT'])('%s: the hint says what moving it costs', (key) => {
  expect(portBusyHint([{ path: key, code: 'port_busy', message: 'port 80 (traefik) is in use' }], 'generated/.env')).toBe(BASE + WEB)
})

test('POSTGRES_HOST_PORT alone: just what to do', () => {
  expect(portBusyHint([{ path: 'POSTGRES_HOST_PORT', code: 'port_busy', message: 'port 5432 (postgres) is in use' }], 'generated/.env')).toBe(BASE)
})
