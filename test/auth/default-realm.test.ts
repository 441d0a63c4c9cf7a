/** `sparkbaas token`'s realm when none is named: the API's, else the only one, also for an API without a realm. */
import { describe, expect, it } from 'vitest'
import { defaultRealm } from '../../src/auth/claims.js'
import { configSchema, type ConfigInput } from '../../src/config/schema.js'
import { resolveModel } from '../../src/model/resolve.js'
import { FIXTURE_CONFIG_FILE } from '../fixtures/configs/index.js'

const model = (config: ConfigInput) => resolveModel(configSchema.parse(config), { configFile: FIXTURE_CONFIG_FILE })

describe('defaultRealm', () => {
  it("the API's realm when it has one", () => {
    expect(defaultRealm(model({ project: 'p', api: { realm: 'b' }, realms: [{ name: 'a' }, { name: 'b' }] }))?.name).toBe('b')
  })
  it('the only realm for an API without a realm (anonymous API, functions behind auth)', () => {
    expect(defaultRealm(model({ project: 'p', api: {}, realms: [{ name: 'main' }] }))?.name).toBe('main')
  })
  it('none when several realms and no API realm', () => {
    expect(defaultRealm(model({ project: 'p', api: {}, realms: [{ name: 'a' }, { name: 'b' }] }))).toBeUndefined()
  })
})
