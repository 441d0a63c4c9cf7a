/** The API call `up` prints (issue 13): a curl with a token that passes what the API route and PostgREST check. */
import { describe, expect, it } from 'vitest'
import { configSchema, type ConfigInput } from '../../src/config/schema.js'
import { resolveModel } from '../../src/model/resolve.js'
import { stackUrls } from '../../src/stack/urls.js'
import { FIXTURE_CONFIG_FILE } from '../fixtures/configs/index.js'

const BASE: ConfigInput = {
  project: 'demo',
  api: { realm: 'main' },
  realms: [{ name: 'main', roles: ['user'] }, { name: 'other', roles: ['user'] }],
  routes: [{ host: 'api', path: '/rest', to: 'api', stripPrefix: true, auth: { realm: 'main', roles: ['user'] } }],
}
const apiCall = (more: Partial<ConfigInput>) =>
  stackUrls(resolveModel(configSchema.parse({ ...BASE, ...more }), { configFile: FIXTURE_CONFIG_FILE }), () => undefined).apiCall

describe('the API call up prints', () => {
  it('a token of the API realm with the roles the route requires', () => {
    expect(apiCall({})).toEqual({
      realm: 'main',
      tokenCommand: 'sparkbaas token --role user',
      curl: 'curl -H "Authorization: Bearer $(sparkbaas token --role user)" http://api.localhost/rest/<table>',
    })
  })

  it('with a self-signed certificate, curl -k (Traefik serves a certificate no CA signed)', () => {
    expect(apiCall({ tls: 'self-signed', ports: { http: 80, https: 8443 } })?.curl).toBe(
      'curl -k -H "Authorization: Bearer $(sparkbaas token --role user)" https://api.localhost:8443/rest/<table>',
    )
  })

  it('the roles of a route guarded by another realm are not asked for: PostgREST takes only the API realm\'s tokens', () => {
    expect(apiCall({ routes: [{ host: 'api', path: '/rest', to: 'api', auth: { realm: 'other', roles: ['user'] } }] })?.tokenCommand).toBe('sparkbaas token')
  })

  it('none for an API without a realm: it serves anonymous requests only, and no token is accepted', () => {
    expect(apiCall({ api: {}, routes: [{ host: 'api', path: '/rest', to: 'api' }] })).toBeUndefined()
  })

  it('none without a route to the API', () => {
    expect(apiCall({ routes: [] })).toBeUndefined()
  })
})
