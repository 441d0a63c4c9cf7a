/**
 * The upgrade plan on its own: reading images from a compose file, reading a major from a tag, comparing, and the
 * text of every caution and refusal.
 */
import { describe, expect, test } from 'vitest'
import { SparkbaasError } from '../../src/errors.js'
import { imageMajor } from '../../src/model/images.js'
import { composeImages } from '../../src/upgrade/images.js'
import { formatPlan, planJson } from '../../src/upgrade/format.js'
import { planUpgrade, type PlanContext } from '../../src/upgrade/plan.js'
import { blockedError } from '../../src/upgrade/upgrade.js'

const CTX: PlanContext = {
  project: 'demo',
  composeFile: 'generated/docker-compose.yml',
  configName: 'sparkbaas.config.ts',
  postgresOverridden: false,
  staleFiles: [],
  outDir: 'generated',
}

const images = (entries: Record<string, string>) => new Map(Object.entries(entries))

const STEPS_16_17 = [
  'sparkbaas backup   (while the stack still runs Postgres 16, before anything regenerates the output)',
  'sparkbaas down --volumes --yes   (deletes the data volume of Postgres 16)',
  'sparkbaas up   (generates the new images and starts Postgres 17 on an empty data volume)',
  'sparkbaas restore --file <archive> --yes   (the archive `sparkbaas backup` wrote)',
]

describe('imageMajor', () => {
  test.each([
    ['postgres:17-bookworm', 17],
    ['postgres:16.4-alpine', 16],
    ['postgres:18', 18],
    ['quay.io/keycloak/keycloak:26.4', 26],
    ['postgrest/postgrest:v14.8', 14],
    ['registry.local:5000/postgres:15-bookworm', 15],
    ['postgres:17@sha256:0123abcd', 17],
  ])('%s → %s', (image, major) => {
    expect(imageMajor(image)).toBe(major)
  })

  test.each(['postgres', 'postgres:latest', 'registry.local:5000/postgres', 'postgres@sha256:0123abcd', 'postgres:bookworm'])('%s → undefined', (image) => {
    expect(imageMajor(image)).toBeUndefined()
  })
})

describe('composeImages', () => {
  test('reads each service image, sorted, with compose $$ read back as $', () => {
    const text = 'name: demo\nservices:\n  web:\n    image: "reg/we$$b:1"\n  db:\n    image: postgres:17-bookworm\n'
    expect([...composeImages(text, 'generated/docker-compose.yml')]).toEqual([
      ['db', 'postgres:17-bookworm'],
      ['web', 'reg/we$b:1'],
    ])
  })

  test.each([
    ['services: [unclosed', 'generated/docker-compose.yml cannot be read as a compose file: Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 20.'],
    ['name: demo\n', 'generated/docker-compose.yml cannot be read as a compose file: it has no `services:` mapping.'],
    ['services:\n  web:\n    build: .\n', 'generated/docker-compose.yml cannot be read as a compose file: service web has no image.'],
  ])('refuses %j', (text, message) => {
    let error: unknown
    try {
      composeImages(text, 'generated/docker-compose.yml')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(SparkbaasError)
    expect((error as SparkbaasError).code).toBe('compose_invalid')
    expect((error as SparkbaasError).message).toBe(message)
    expect((error as SparkbaasError).hint).toBe(
      'It should be the file `sparkbaas generate` wrote. Restore it (e.g. from git), or run `sparkbaas generate` to rewrite it if you know which images the stack runs.',
    )
  })
})

describe('planUpgrade', () => {
  test('one entry per service: unchanged, changed, added, removed; no caution for a stateless image', () => {
    const plan = planUpgrade(
      images({ postgres: 'postgres:17-bookworm', postgrest: 'postgrest/postgrest:v12.2', redis: 'redis:7' }),
      images({ postgres: 'postgres:17-bookworm', postgrest: 'postgrest/postgrest:v14.8', 'spark-master': 'apache/spark:4.1.1' }),
      CTX,
    )
    expect(planJson(plan)).toEqual({
      project: 'demo',
      composeFile: 'generated/docker-compose.yml',
      upToDate: false,
      services: [
        { service: 'postgres', status: 'unchanged', from: 'postgres:17-bookworm', to: 'postgres:17-bookworm' },
        { service: 'postgrest', status: 'changed', from: 'postgrest/postgrest:v12.2', to: 'postgrest/postgrest:v14.8' },
        { service: 'redis', status: 'removed', from: 'redis:7', to: null },
        { service: 'spark-master', status: 'added', from: null, to: 'apache/spark:4.1.1' },
      ],
      cautions: [],
    })
    expect(plan.blocked).toBeUndefined()
    expect(formatPlan(plan)).toEqual([
      'demo: the images in generated/docker-compose.yml against this release',
      '  postgres      unchanged (postgres:17-bookworm)',
      '  postgrest     postgrest/postgrest:v12.2 → postgrest/postgrest:v14.8',
      '  redis         removed (was redis:7)',
      '  spark-master  added (apache/spark:4.1.1)',
    ])
  })

  test('the same images everywhere: up to date', () => {
    const same = images({ postgres: 'postgres:17-bookworm', traefik: 'traefik:v3.5' })
    const plan = planUpgrade(same, same, CTX)
    expect(plan.upToDate).toBe(true)
    expect(plan.cautions).toEqual([])
  })

  test('a Postgres minor or variant change within a major needs no care', () => {
    const plan = planUpgrade(images({ postgres: 'postgres:17.2-alpine' }), images({ postgres: 'postgres:17-bookworm' }), CTX)
    expect(plan.cautions).toEqual([])
    expect(plan.blocked).toBeUndefined()
  })

  test('a Postgres major upgrade blocks --yes and gives the dump-and-restore steps', () => {
    const plan = planUpgrade(images({ postgres: 'postgres:16-bookworm' }), images({ postgres: 'postgres:17-bookworm' }), CTX)
    expect(plan.cautions).toEqual([
      {
        kind: 'postgres-major',
        message:
          'Postgres 16 → 17 is a major upgrade, which cannot be done in place: the data directory format differs between majors, and Postgres 17 will not start on the data of 16. Move the data with a dump and restore instead:',
        steps: STEPS_16_17,
        blocks: true,
      },
    ])
    expect(plan.blocked).toBe(plan.cautions[0])
    expect(plan.keepPostgres).toBe('postgres.version to 16')
  })

  test('a Postgres major downgrade is refused, naming the setting to put back', () => {
    const plan = planUpgrade(images({ postgres: 'postgres:17-bookworm' }), images({ postgres: 'postgres:16-bookworm' }), CTX)
    expect(plan.cautions).toEqual([
      {
        kind: 'postgres-downgrade',
        message:
          'Postgres 17 → 16 is a downgrade, which sparkbaas refuses: Postgres 16 cannot open the data directory of 17, and a dump made by 17 is not guaranteed to restore into 16. Set postgres.version back to 17 in sparkbaas.config.ts.',
        steps: [],
        blocks: true,
      },
    ])
    const overridden = planUpgrade(images({ postgres: 'postgres:17-bookworm' }), images({ postgres: 'postgis/postgis:16-3.4' }), { ...CTX, postgresOverridden: true })
    expect(overridden.cautions[0]?.message).toBe(
      "Postgres 17 → 16 is a downgrade, which sparkbaas refuses: Postgres 16 cannot open the data directory of 17, and a dump made by 17 is not guaranteed to restore into 16. Set images.postgres back to 'postgres:17-bookworm' in sparkbaas.config.ts.",
    )
  })

  test('a Postgres image whose major cannot be read is flagged, not blocked', () => {
    const plan = planUpgrade(images({ postgres: 'postgres:17-bookworm' }), images({ postgres: 'postgres:latest' }), { ...CTX, postgresOverridden: true })
    expect(plan.cautions).toEqual([
      {
        kind: 'postgres-major-unknown',
        message:
          'The Postgres image changes from postgres:17-bookworm to postgres:latest, and its major version cannot be read from the tags. If the major changes, do not apply this with --yes (Postgres cannot open an older major\'s data directory); upgrade with a dump and restore instead:',
        steps: [
          'sparkbaas backup   (while the stack still runs Postgres 17, before anything regenerates the output)',
          'sparkbaas down --volumes --yes   (deletes the data volume of Postgres 17)',
          'sparkbaas up   (generates the new images and starts the new Postgres on an empty data volume)',
          'sparkbaas restore --file <archive> --yes   (the archive `sparkbaas backup` wrote)',
        ],
        blocks: false,
      },
    ])
    expect(plan.blocked).toBeUndefined()
    expect(plan.keepPostgres).toBe("images.postgres to 'postgres:17-bookworm'")
  })

  test('a Keycloak major change says it migrates its database: back up first', () => {
    const up = planUpgrade(images({ keycloak: 'quay.io/keycloak/keycloak:25.0' }), images({ keycloak: 'quay.io/keycloak/keycloak:26.4' }), CTX)
    expect(up.cautions).toEqual([
      {
        kind: 'keycloak-major',
        message: 'Keycloak 25 → 26 is a new major: on its first start it migrates its database, and there is no way back to 25 except a backup. Back up first:',
        steps: ['sparkbaas backup'],
        blocks: false,
      },
    ])
    expect(up.blocked).toBeUndefined()
    const down = planUpgrade(images({ keycloak: 'quay.io/keycloak/keycloak:27.0' }), images({ keycloak: 'quay.io/keycloak/keycloak:26.4' }), CTX)
    expect(down.cautions.map((c) => c.message)).toEqual([
      'Keycloak 27 → 26 is a downgrade: Keycloak 27 has already migrated its database, and an older Keycloak is not made to run on it. Restore a backup taken before the upgrade to 27 instead.',
    ])
    const minor = planUpgrade(images({ keycloak: 'quay.io/keycloak/keycloak:26.2' }), images({ keycloak: 'quay.io/keycloak/keycloak:26.4' }), CTX)
    expect(minor.cautions).toEqual([])
  })

  test('output out of date beyond the images is noted, worded for an upgrade or for a config change', () => {
    const stale = { ...CTX, staleFiles: ['keycloak/main-realm.json'] }
    const withChange = planUpgrade(images({ traefik: 'traefik:v3.4' }), images({ traefik: 'traefik:v3.5' }), stale)
    expect(withChange.cautions.map((c) => [c.kind, c.message, c.blocks])).toEqual([
      ['stale-output', 'generated/ is also out of date with sparkbaas.config.ts beyond the image tags (keycloak/main-realm.json): applying regenerates those files too.', false],
    ])
    const same = planUpgrade(images({ traefik: 'traefik:v3.5' }), images({ traefik: 'traefik:v3.5' }), stale)
    expect(same.upToDate).toBe(true)
    expect(same.cautions.map((c) => c.message)).toEqual([
      'generated/ is out of date with sparkbaas.config.ts (keycloak/main-realm.json): that is a config change, not an upgrade; `sparkbaas up` regenerates and applies it.',
    ])
  })

  test('formatPlan prints the cautions with their steps numbered', () => {
    const plan = planUpgrade(images({ postgres: 'postgres:16-bookworm' }), images({ postgres: 'postgres:17-bookworm' }), CTX)
    expect(formatPlan(plan).slice(2)).toEqual([
      'Needs care:',
      '  ! Postgres 16 → 17 is a major upgrade, which cannot be done in place: the data directory format differs between majors, and Postgres 17 will not start on the data of 16. Move the data with a dump and restore instead:',
      ...STEPS_16_17.map((step, i) => `      ${i + 1}. ${step}`),
    ])
  })
})

describe('blockedError', () => {
  test('Postgres major: the steps, and how to upgrade the rest meanwhile when other services change', () => {
    const plan = planUpgrade(
      images({ postgres: 'postgres:16-bookworm', traefik: 'traefik:v3.4' }),
      images({ postgres: 'postgres:17-bookworm', traefik: 'traefik:v3.5' }),
      CTX,
    )
    const error = blockedError(plan, 'sparkbaas.config.ts')
    expect(error.code).toBe('upgrade_blocked')
    expect(error.exitCode).toBe(1)
    expect(error.message).toBe(
      [
        'Upgrade refused; nothing was changed. Postgres 16 → 17 is a major upgrade, which cannot be done in place: the data directory format differs between majors, and Postgres 17 will not start on the data of 16. Move the data with a dump and restore instead:',
        ...STEPS_16_17.map((step, i) => `  ${i + 1}. ${step}`),
      ].join('\n'),
    )
    expect(error.hint).toBe('To upgrade the other services now and Postgres later, set postgres.version to 16 in sparkbaas.config.ts and run `sparkbaas upgrade --yes` again.')
    // Nothing else changes: no hint.
    const only = planUpgrade(images({ postgres: 'postgres:16-bookworm' }), images({ postgres: 'postgres:17-bookworm' }), CTX)
    expect(blockedError(only, 'sparkbaas.config.ts').hint).toBeUndefined()
  })
})
