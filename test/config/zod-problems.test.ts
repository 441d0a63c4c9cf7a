import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { configSchema } from '../../src/config/schema.js'
import { describeReceived, formatPath, problemsFromZod } from '../../src/config/zod-problems.js'

/** The problems for a config that must fail the shape check. */
function problemsOf(input: Record<string, unknown>, schema: z.ZodType = configSchema) {
  const result = schema.safeParse(input, { reportInput: true })
  if (result.success) throw new Error('expected the shape check to fail')
  return problemsFromZod(result.error.issues, schema)
}

/** The one problem of `{ project: 'acme', ...extra }`. */
function problemOf(extra: Record<string, unknown>) {
  const problems = problemsOf({ project: 'acme', ...extra })
  const [problem] = problems
  if (problem === undefined || problems.length > 1) throw new Error(`expected one problem, got ${JSON.stringify(problems)}`)
  return problem
}

const IDENTIFIER = 'lowercase letters, digits, "-" and "_", starting with a letter, at most 39 characters'
const TO = '"api", "keycloak", "spark", { function: name } or { service: name }'

describe('formatPath', () => {
  it('writes keys with dots, indexes in brackets and odd keys quoted', () => {
    expect(formatPath([])).toBe('')
    expect(formatPath(['routes', 0, 'auth', 'realm'])).toBe('routes[0].auth.realm')
    expect(formatPath(['services', 'mailpit', 'image'])).toBe('services.mailpit.image')
    expect(formatPath(['services', 'Bad Name'])).toBe('services["Bad Name"]')
    expect(formatPath(['env', '1x'])).toBe('env["1x"]')
    expect(formatPath([Symbol('s')])).toBe('[Symbol(s)]')
  })
})

describe('describeReceived', () => {
  it('shows primitives with their type and bigger values by type only', () => {
    expect(describeReceived('5')).toBe('string "5"')
    expect(describeReceived(5)).toBe('number 5')
    expect(describeReceived(-0)).toBe('number -0')
    expect(describeReceived(10n)).toBe('bigint 10n')
    expect(describeReceived(true)).toBe('boolean true')
    expect(describeReceived(null)).toBe('null')
    expect(describeReceived(undefined)).toBe('nothing')
    expect(describeReceived([1, 2])).toBe('array')
    expect(describeReceived({ a: 1 })).toBe('object')
    expect(describeReceived(() => 1)).toBe('function')
  })

  it('cuts long strings so a message stays readable', () => {
    const text = describeReceived('x'.repeat(10_000))
    expect(text).toBe(`string "${'x'.repeat(47)}…"`)
    expect(text.length).toBeLessThanOrEqual(60)
  })
})

describe('problemsFromZod: types and missing keys', () => {
  it('uses the name rule for a value of the wrong type', () => {
    expect(problemsOf({ project: 5 })).toEqual([
      {
        path: 'project',
        code: 'invalid_type',
        message: 'expected lowercase letters, digits and "-", starting with a letter, at most 39 characters, received number 5',
      },
    ])
  })

  it('says what a missing key should hold', () => {
    expect(problemOf({ realms: [{}] })).toEqual({ path: 'realms[0].name', code: 'required', message: `required, expected ${IDENTIFIER}` })
    expect(problemOf({ routes: [{ host: 'api', to: 'api', rateLimit: {} }] })).toEqual({
      path: 'routes[0].rateLimit.average',
      code: 'required',
      message: 'required, expected number',
    })
  })

  it('suggests the fix for quoted numbers and booleans, bare list items and unquoted text', () => {
    expect(problemOf({ postgres: { version: '17' } })).toEqual({
      path: 'postgres.version',
      code: 'invalid_type',
      message: 'expected number, received string "17" — write 17 without quotes',
    })
    expect(problemOf({ routes: [{ host: 'api', to: 'api', stripPrefix: 'true' }] })).toEqual({
      path: 'routes[0].stripPrefix',
      code: 'invalid_type',
      message: 'expected boolean, received string "true" — write true without quotes',
    })
    expect(problemOf({ postgres: { databases: 'app' } })).toEqual({
      path: 'postgres.databases',
      code: 'invalid_type',
      message: 'expected array, received string "app" — write a list: ["app"]',
    })
    expect(problemOf({ functions: [{ name: 'f', source: './f', env: { PORT: 8080 } }] })).toEqual({
      path: 'functions[0].env.PORT',
      code: 'invalid_type',
      message: 'expected a string or { secret: "NAME" } (a key of .env), received number 8080 — write it in quotes: "8080"',
    })
  })

  it('gives no list hint where the list holds objects', () => {
    expect(problemOf({ functions: 'hello' })).toEqual({
      path: 'functions',
      code: 'invalid_type',
      message: 'expected array, received string "hello"',
    })
  })

  it('keeps the schema wording for whole numbers', () => {
    expect(problemOf({ postgres: { version: 14.5 } })).toEqual({
      path: 'postgres.version',
      code: 'invalid_type',
      message: 'expected a Postgres major version such as 17, received number 14.5',
    })
  })
})

describe('problemsFromZod: values, formats and sizes', () => {
  const client = (type?: string) => ({ realms: [{ name: 'acme', clients: [{ id: 'web', type }] }] })

  it('lists the allowed values, suggesting a close one', () => {
    expect(problemOf(client('pub'))).toEqual({
      path: 'realms[0].clients[0].type',
      code: 'invalid_value',
      message: 'expected "public" or "confidential", received "pub"',
    })
    expect(problemOf(client('publc')).message).toBe('expected "public" or "confidential", received "publc" — did you mean "public"?')
    expect(problemOf(client())).toEqual({
      path: 'realms[0].clients[0].type',
      code: 'required',
      message: 'required, expected "public" or "confidential"',
    })
  })

  it('reports a bad format with the schema wording and the value', () => {
    expect(problemOf({ workers: [{ name: 'etl', memory: 'lots' }] })).toEqual({
      path: 'workers[0].memory',
      code: 'invalid_format',
      message: 'expected a size like "512m" or "2g", received "lots"',
    })
    expect(problemOf({ realms: [{ name: 'acme', users: [{ username: 'dev', email: 'nope' }] }] })).toEqual({
      path: 'realms[0].users[0].email',
      code: 'invalid_format',
      message: 'expected an email address, received "nope"',
    })
  })

  it('refuses what Keycloak\'s default user profile would refuse on a seed user', () => {
    // keycloak/keycloak services/src/main/resources/org/keycloak/userprofile/config/keycloak-default-user-profile.json:
    // username length 3 to 255; firstName and lastName pass "person-name-prohibited-characters", whose pattern is in
    // services/src/main/java/org/keycloak/userprofile/validator/PersonNameProhibitedCharactersValidator.java.
    const user = (fields: Record<string, unknown>) => ({ realms: [{ name: 'acme', users: [{ username: 'dev', ...fields }] }] })
    expect(problemOf(user({ username: 'ab' }))).toEqual({
      path: 'realms[0].users[0].username',
      code: 'too_small',
      message: 'expected at least 3 characters (Keycloak\'s default user profile refuses shorter usernames), received "ab"',
    })
    const NAME = 'expected a name without < > & " $ % ! # ? § ; * ~ / \\ | ^ = [ ] { } ( ), control characters or line breaks (Keycloak\'s default user profile refuses them)'
    expect(problemOf(user({ firstName: 'Ann (dev)' }))).toEqual({
      path: 'realms[0].users[0].firstName',
      code: 'invalid_format',
      message: `${NAME}, received "Ann (dev)"`,
    })
    expect(problemOf(user({ lastName: 'Line\nbreak' })).message).toBe(`${NAME}, received "Line\\nbreak"`)
    expect(problemOf(user({ lastName: 'a\u2028b' })).message).toBe(`${NAME}, received "a\u2028b"`)
    // A blank name is a missing one to Keycloak's required-attribute check (the login stops at "update profile").
    const BLANK = 'expected a name that is not empty or only spaces (Keycloak\'s default user profile counts it as missing)'
    expect(problemOf(user({ lastName: '' })).message).toBe(`${BLANK}, received ""`)
    expect(problemOf(user({ firstName: '   ' })).message).toBe(`${BLANK}, received "   "`)
    expect(problemOf(user({ firstName: 'x'.repeat(256) })).message).toBe(
      `expected at most 255 characters (Keycloak's default user profile refuses longer names), received "${'x'.repeat(47)}…"`,
    )
    // What the validator allows: apostrophes, hyphens, dots, accents, non-Latin scripts.
    expect(configSchema.safeParse({ project: 'acme', ...user({ firstName: "Zoë-Ann O'Brien", lastName: 'Ōe 大江' }) }).success).toBe(true)
  })

  it('reports values out of range', () => {
    expect(problemOf({ workers: [{ name: 'etl', replicas: 0 }] })).toEqual({
      path: 'workers[0].replicas',
      code: 'too_small',
      message: 'expected at least 1 replica, received 0',
    })
    expect(problemOf({ routes: [{ host: 'api', to: 'api', rateLimit: { average: 0 } }] }).message).toBe(
      'expected at least 1 request per second, received 0',
    )
    expect(problemOf({ postgres: { exposePort: 70000 } })).toEqual({
      path: 'postgres.exposePort',
      code: 'too_big',
      message: 'expected a port from 1 to 65535, received 70000',
    })
    expect(problemOf({ postgres: { databases: [] } })).toEqual({
      path: 'postgres.databases',
      code: 'too_small',
      message: 'expected at least one application database, received []',
    })
    expect(problemOf({ images: { keycloak: '' } })).toEqual({
      path: 'images.keycloak',
      code: 'too_small',
      message: 'expected a non-empty string, received ""',
    })
  })

  it('words bounds the schema left to zod', () => {
    const bounded = z.object({
      name: z.string().min(3).max(5),
      tags: z.array(z.string()).min(2).max(2),
      share: z.number().gt(0).lte(1),
      level: z.number().gte(1).lt(10),
    })
    const problems = problemsOf({ name: 'a', tags: ['x'], share: 0, level: 10 }, bounded)
    expect(problems.map((p) => p.message)).toEqual([
      'expected at least 3 characters, received "a"',
      'expected at least 2 items, received 1 item',
      'expected more than 0, received 0',
      'expected less than 10, received 10',
    ])
    const over = problemsOf({ name: 'abcdef', tags: ['x', 'y', 'z'], share: 2, level: 0 }, bounded)
    expect(over.map((p) => p.message)).toEqual([
      'expected at most 5 characters, received "abcdef"',
      'expected at most 2 items, received 3 items',
      'expected 1 or less, received 2',
      'expected 1 or more, received 0',
    ])
  })
})

describe('problemsFromZod: keys', () => {
  it('reports each unknown key at its own path, with the closest known key', () => {
    expect(problemsOf({ project: 'acme', postgres: { verison: 17, foo: 1, exposeport: 1 } })).toEqual([
      { path: 'postgres.verison', code: 'unknown_key', message: 'unknown key "verison" — did you mean "version"?' },
      {
        path: 'postgres.foo',
        code: 'unknown_key',
        message: 'unknown key "foo" — allowed keys: version, databases, extensions, exposePort',
      },
      { path: 'postgres.exposeport', code: 'unknown_key', message: 'unknown key "exposeport" — did you mean "exposePort"?' },
    ])
  })

  it('reports unknown top-level keys at their own path', () => {
    expect(problemOf({ 'weird key': 1 })).toEqual({
      path: '["weird key"]',
      code: 'unknown_key',
      message: 'unknown key "weird key" — allowed keys: project, production, target, kubernetes, domain, tls, ports, images, postgres, api, keycloak, workers, realms, functions, services, routes, resources, environments',
    })
  })

  it('finds the allowed keys inside a union', () => {
    expect(problemOf({ routes: [{ host: 'api', to: { function: 'hello', extra: 1 } }] })).toEqual({
      path: 'routes[0].to.extra',
      code: 'unknown_key',
      message: 'unknown key "extra" — allowed keys: function, service',
    })
  })

  it('tells what a record key must look like', () => {
    expect(problemOf({ services: { 'Bad Name': { image: 'redis' } } })).toEqual({
      path: 'services["Bad Name"]',
      code: 'invalid_key',
      message: `invalid key, expected ${IDENTIFIER}, received "Bad Name"`,
    })
    expect(problemOf({ functions: [{ name: 'f', source: './f', env: { '1X': 'a' } }] })).toEqual({
      path: 'functions[0].env["1X"]',
      code: 'invalid_key',
      message: 'invalid key, expected an environment variable name: letters, digits and "_", not starting with a digit or "__", received "1X"',
    })
  })

  it("words a record key's problem like any value's", () => {
    const schema = z.object({ tags: z.record(z.string().min(2), z.string()) })
    expect(problemsOf({ tags: { a: 'x' } }, schema)).toEqual([
      { path: 'tags.a', code: 'invalid_key', message: 'invalid key, expected at least 2 characters, received "a"' },
    ])
  })

  it('says to remove an unknown key when no keys are known there', () => {
    const loose = z.object({ box: z.custom<object>(() => true).pipe(z.strictObject({})) })
    expect(problemsOf({ box: { a: 1 } }, loose)).toEqual([{ path: 'box.a', code: 'unknown_key', message: 'unknown key "a" — remove it' }])
  })
})

describe('problemsFromZod: unions give one message', () => {
  it.each([
    [{ tls: 'on' }, 'tls', 'expected "off", "self-signed" or { acme: { email } }, received "on"'],
    [{ tls: 'self-signd' }, 'tls', 'expected "off", "self-signed" or { acme: { email } }, received "self-signd" — did you mean "self-signed"?'],
    [{ tls: 5 }, 'tls', 'expected "off", "self-signed" or { acme: { email } }, received 5'],
    [{ routes: [{ host: 'api', to: 'apii' }] }, 'routes[0].to', `expected ${TO}, received "apii" — did you mean "api"?`],
    [{ routes: [{ host: 'api', to: { fn: 'x' } }] }, 'routes[0].to', `expected ${TO}, received object`],
    [{ postgres: { exposePort: 'yes' } }, 'postgres.exposePort', 'expected false or a port from 1 to 65535, received "yes"'],
    [{ api: { realm: 'acme', anonRole: true } }, 'api.anonRole', 'expected false or a role name, received true'],
    [{ services: { x: { image: 'redis', command: 5 } } }, 'services.x.command', 'expected a string or a list of strings, received 5'],
  ])('%j', (extra, path, message) => {
    expect(problemOf(extra)).toEqual({ path, code: 'invalid_value', message })
  })

  it('says a missing union value is required', () => {
    expect(problemOf({ routes: [{ host: 'api' }] })).toEqual({ path: 'routes[0].to', code: 'required', message: `required, expected ${TO}` })
  })

  it('reports inside the one form the value took', () => {
    expect(problemsOf({ project: 'acme', tls: { acme: { mail: 'ops@acme.test' } } })).toEqual([
      { path: 'tls.acme.email', code: 'required', message: "required, expected an email address for Let's Encrypt" },
      { path: 'tls.acme.mail', code: 'unknown_key', message: 'unknown key "mail" — did you mean "email"?' },
    ])
    expect(problemOf({ routes: [{ host: 'api', to: { function: 5 } }] })).toEqual({
      path: 'routes[0].to.function',
      code: 'invalid_type',
      message: `expected ${IDENTIFIER}, received number 5`,
    })
    expect(problemOf({ services: { x: { image: 'redis', command: ['redis-server', 5] } } })).toEqual({
      path: 'services.x.command[1]',
      code: 'invalid_type',
      message: 'expected string, received number 5 — write it in quotes: "5"',
    })
  })

  it('builds the message from the branches for a union it has no words for', () => {
    const schema = z.object({ mode: z.union([z.literal('a'), z.number()]) })
    expect(problemsOf({ mode: true }, schema)).toEqual([{ path: 'mode', code: 'invalid_value', message: 'expected "a" or number, received true' }])
  })
})

describe('problemsFromZod: other issues', () => {
  it('names the format zod checked when the schema gave no words', () => {
    const schema = z.object({ home: z.url() })
    expect(problemsOf({ home: 'nope' }, schema)).toEqual([{ path: 'home', code: 'invalid_format', message: 'expected a valid url, received "nope"' }])
  })

  it("keeps zod's words for issue kinds the config schema does not produce", () => {
    const schema = z.object({ step: z.number().multipleOf(5) })
    expect(problemsOf({ step: 7 }, schema)).toEqual([
      { path: 'step', code: 'not_multiple_of', message: 'Invalid number: must be a multiple of 5, received 7' },
    ])
  })
})

describe('problemsFromZod: ports', () => {
  it('names the port that is out of range or not a number, and misspelt keys', () => {
    expect(problemsOf({ project: 'acme', ports: { http: 0, https: '8443', htp: 1 } })).toEqual([
      { path: 'ports.http', code: 'too_small', message: 'expected a port from 1 to 65535, received 0' },
      { path: 'ports.https', code: 'invalid_type', message: 'expected number, received string "8443" — write 8443 without quotes' },
      { path: 'ports.htp', code: 'unknown_key', message: 'unknown key "htp" — did you mean "http"?' },
    ])
  })
})
