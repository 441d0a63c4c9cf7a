/**
 * `sparkbaas upgrade` against the fake docker. The generated compose file is made older by editing its image lines,
 * as if it had been generated (and the stack started) by an earlier release.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, test } from 'vitest'
import { sha256 } from '../../src/hash.js'
import { PINNED_IMAGES, postgresImage } from '../../src/model/images.js'
import { imageMajor } from '../../src/model/images.js'
import { STACK_CONFIG, stackFixture, VERSION_CALL, type StackFixture } from '../helpers/stack.js'

const PS = ['ps', '--all', '--format', 'json']
const UP = ['up', '-d', '--wait', '--remove-orphans']

const KC = PINNED_IMAGES.keycloak
const KC_MAJOR = imageMajor(KC)!
const OLD_KC = `quay.io/keycloak/keycloak:${KC_MAJOR - 1}.0`
const REST = PINNED_IMAGES.postgrest
const OLD_REST = 'postgrest/postgrest:v12.2'
const PG = postgresImage(17)
const TRAEFIK = PINNED_IMAGES.traefik
const NODE = PINNED_IMAGES.node

const STEPS_16_17 = [
  '1. sparkbaas backup   (while the stack still runs Postgres 16, before anything regenerates the output)',
  '2. sparkbaas down --volumes --yes   (deletes the data volume of Postgres 16)',
  '3. sparkbaas up   (generates the new images and starts Postgres 17 on an empty data volume)',
  '4. sparkbaas restore --file <archive> --yes   (the archive `sparkbaas backup` wrote)',
]
const PG_MAJOR =
  'Postgres 16 → 17 is a major upgrade, which cannot be done in place: the data directory format differs between majors, and Postgres 17 will not start on the data of 16. Move the data with a dump and restore instead:'

/**
 * Rewrites image lines of the generated compose file, as an older release would have written them: its manifest
 * records the hash of what it wrote, so the file is not taken for a hand edit.
 */
function age(s: StackFixture, images: Record<string, string>): void {
  const file = join(s.out, 'docker-compose.yml')
  let text = readFileSync(file, 'utf8')
  for (const [now, before] of Object.entries(images)) {
    const line = `    image: "${now}"\n`
    expect(text).toContain(line)
    // Every service on that image (postgres and postgres-init share one, as do the node services).
    text = text.replaceAll(line, `    image: "${before}"\n`)
  }
  const before = sha256(readFileSync(file, 'utf8'))
  writeFileSync(file, text)
  // Only the hash changes, so the manifest keeps the exact bytes the writer gives it.
  const manifestFile = join(s.out, '.sparkbaas-manifest.json')
  const manifest = readFileSync(manifestFile, 'utf8')
  expect(manifest).toContain(before)
  writeFileSync(manifestFile, manifest.replace(before, sha256(text)))
}

/** Every file of the output folder with its bytes, to show a command changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name)
      files[relative(dir, path)] = readFileSync(path).toString('base64')
    }
  }
  return files
}

const planLines = (rows: string[]) => ['demo: the images in generated/docker-compose.yml against this release', ...rows]

describe('sparkbaas upgrade', () => {
  test('prints one line per service and what needs care; without --yes changes nothing and runs no engine', async () => {
    const s = await stackFixture()
    age(s, { [KC]: OLD_KC, [REST]: OLD_REST })
    const before = snapshot(s.out)
    const result = await s.run(['upgrade'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe(
      [
        ...planLines([
          `  keycloak       ${OLD_KC} → ${KC}`,
          `  keycloak-sync  unchanged (${NODE})`,
          `  postgres       unchanged (${PG})`,
          `  postgres-init  unchanged (${PG})`,
          `  postgrest      ${OLD_REST} → ${REST}`,
          `  traefik        unchanged (${TRAEFIK})`,
        ]),
        'Needs care:',
        `  ! Keycloak ${KC_MAJOR - 1} → ${KC_MAJOR} is a new major: on its first start it migrates its database, and there is no way back to ${KC_MAJOR - 1} except a backup. Back up first:`,
        '      1. sparkbaas backup',
        'Nothing was changed. Run with --yes to apply: sparkbaas upgrade --yes',
        '',
      ].join('\n'),
    )
    expect(snapshot(s.out)).toEqual(before)
    expect(s.fake.calls()).toEqual([])
  })

  test('--json: the plan as one JSON value', async () => {
    const s = await stackFixture()
    age(s, { [REST]: OLD_REST })
    const result = await s.run(['upgrade', '--json'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      project: 'demo',
      composeFile: 'generated/docker-compose.yml',
      upToDate: false,
      services: [
        { service: 'keycloak', status: 'unchanged', from: KC, to: KC },
        { service: 'keycloak-sync', status: 'unchanged', from: NODE, to: NODE },
        { service: 'postgres', status: 'unchanged', from: PG, to: PG },
        { service: 'postgres-init', status: 'unchanged', from: PG, to: PG },
        { service: 'postgrest', status: 'changed', from: OLD_REST, to: REST },
        { service: 'traefik', status: 'unchanged', from: TRAEFIK, to: TRAEFIK },
      ],
      cautions: [],
      applied: false,
    })
    expect(s.fake.calls()).toEqual([])
  })

  test('--yes: regenerate, pull the new images, then up as `sparkbaas up` does; afterwards already up to date', async () => {
    const s = await stackFixture()
    age(s, { [KC]: OLD_KC, [REST]: OLD_REST })
    const result = await s.run(['upgrade', '--yes'])
    expect(result.code).toBe(0)
    expect(s.fake.calls()).toEqual([VERSION_CALL, [...s.compose, 'pull', 'keycloak', 'postgrest'], [...s.compose, ...PS], [...s.compose, ...UP]])
    expect(result.stdout.split('\n').slice(-3)).toEqual([
      '✔ Regenerated generated/: 2 written',
      `✔ demo upgraded and up: keycloak ${OLD_KC} → ${KC}; postgrest ${OLD_REST} → ${REST}`,
      '',
    ])
    expect(result.stderr).toBe(
      [
        'Pulling the new images (keycloak, postgrest) with docker compose…',
        ' keycloak Pulled',
        ' postgrest Pulled',
        'Restarting demo with docker compose, waiting until every service is healthy…',
        ' Container demo-postgres-1  Started',
        ' Container demo-postgres-1  Healthy',
        '',
      ].join('\n'),
    )
    const compose = readFileSync(join(s.out, 'docker-compose.yml'), 'utf8')
    expect(compose).toContain(`    image: "${KC}"\n`)
    expect(compose).toContain(`    image: "${REST}"\n`)

    const again = await s.run(['upgrade', '--yes'])
    expect(again.code).toBe(0)
    expect(again.stdout.split('\n').slice(-2)).toEqual(['✔ demo is already up to date: every service runs the image this release pins.', ''])
    expect(s.fake.calls()).toHaveLength(4)
  })

  test('--yes --json: nothing streamed; what was regenerated and pulled', async () => {
    const s = await stackFixture()
    age(s, { [REST]: OLD_REST })
    const result = await s.run(['upgrade', '--yes', '--json'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    const json = JSON.parse(result.stdout) as Record<string, unknown>
    expect({ ...json, services: undefined }).toEqual({
      ok: true,
      project: 'demo',
      composeFile: 'generated/docker-compose.yml',
      upToDate: false,
      services: undefined,
      cautions: [],
      applied: true,
      engine: 'docker compose',
      regenerated: ['.sparkbaas-manifest.json', 'docker-compose.yml'],
      pulled: ['postgrest'],
    })
  })

  test('an up-to-date stack: says so, and --yes runs nothing', async () => {
    const s = await stackFixture()
    const result = await s.run(['upgrade', '--yes'])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(
      [
        ...planLines([
          `  keycloak       unchanged (${KC})`,
          `  keycloak-sync  unchanged (${NODE})`,
          `  postgres       unchanged (${PG})`,
          `  postgres-init  unchanged (${PG})`,
          `  postgrest      unchanged (${REST})`,
          `  traefik        unchanged (${TRAEFIK})`,
        ]),
        '✔ demo is already up to date: every service runs the image this release pins.',
        '',
      ].join('\n'),
    )
    expect(s.fake.calls()).toEqual([])
  })

  test('a Postgres major upgrade: the plan gives the dump-and-restore steps; --yes refuses (exit 1) and changes nothing', async () => {
    const s = await stackFixture()
    age(s, { [PG]: postgresImage(16), [REST]: OLD_REST })
    const before = snapshot(s.out)
    const plan = await s.run(['upgrade'])
    expect(plan.code).toBe(0)
    const planText = [
      ...planLines([
        `  keycloak       unchanged (${KC})`,
        `  keycloak-sync  unchanged (${NODE})`,
        `  postgres       ${postgresImage(16)} → ${PG}`,
        `  postgres-init  ${postgresImage(16)} → ${PG}`,
        `  postgrest      ${OLD_REST} → ${REST}`,
        `  traefik        unchanged (${TRAEFIK})`,
      ]),
      'Needs care:',
      `  ! ${PG_MAJOR}`,
      ...STEPS_16_17.map((step) => `      ${step}`),
    ]
    expect(plan.stdout).toBe([...planText, 'Nothing was changed. --yes would refuse this plan: see "Needs care" above.', ''].join('\n'))

    const refused = await s.run(['upgrade', '--yes'])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe([...planText, ''].join('\n'))
    expect(refused.stderr).toBe(
      [
        `✖ Upgrade refused; nothing was changed. ${PG_MAJOR}`,
        ...STEPS_16_17.map((step) => `  ${step}`),
        'hint: To upgrade the other services now and Postgres later, set postgres.version to 16 in sparkbaas.config.json and run `sparkbaas upgrade --yes` again.',
        '',
      ].join('\n'),
    )
    expect(snapshot(s.out)).toEqual(before)
    expect(s.fake.calls()).toEqual([])

    const json = await s.run(['upgrade', '--yes', '--json'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      problems: [{ path: '', code: 'upgrade_blocked', message: [`Upgrade refused; nothing was changed. ${PG_MAJOR}`, ...STEPS_16_17.map((step) => `  ${step}`)].join('\n') }],
    })
  })

  test('a Postgres major downgrade is refused outright', async () => {
    const s = await stackFixture()
    s.writeConfig({ ...STACK_CONFIG, postgres: { ...STACK_CONFIG.postgres, version: 16 } })
    const before = snapshot(s.out)
    const message =
      'Postgres 17 → 16 is a downgrade, which sparkbaas refuses: Postgres 16 cannot open the data directory of 17, and a dump made by 17 is not guaranteed to restore into 16. Set postgres.version back to 17 in sparkbaas.config.json.'
    const plan = await s.run(['upgrade'])
    expect(plan.code).toBe(0)
    expect(plan.stdout.split('\n').slice(-4)).toEqual(['Needs care:', `  ! ${message}`, 'Nothing was changed. --yes would refuse this plan: see "Needs care" above.', ''])

    const refused = await s.run(['upgrade', '--yes'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(`✖ Upgrade refused; nothing was changed. ${message}\n`)
    expect(snapshot(s.out)).toEqual(before)
    expect(s.fake.calls()).toEqual([])
  })

  test('output out of date with the config beyond the images is noted', async () => {
    const s = await stackFixture()
    age(s, { [REST]: OLD_REST })
    s.writeConfig({ ...STACK_CONFIG, realms: [{ ...STACK_CONFIG.realms[0], roles: ['user', 'admin'] }] })
    const result = await s.run(['upgrade'])
    expect(result.code).toBe(0)
    expect(result.stdout.split('\n').slice(-4)).toEqual([
      'Needs care:',
      '  ! generated/ is also out of date with sparkbaas.config.json beyond the image tags (keycloak/main-realm.json): applying regenerates those files too.',
      'Nothing was changed. Run with --yes to apply: sparkbaas upgrade --yes',
      '',
    ])
  })

  test('a failed pull puts the compose file back and starts nothing', async () => {
    const s = await stackFixture()
    age(s, { [REST]: OLD_REST })
    const before = snapshot(s.out)
    const result = await s.run(['upgrade', '--yes'], { FAKE_DOCKER_SCENARIO: 'pull-fails' })
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      [
        'Pulling the new images (postgrest) with docker compose…',
        ' postgrest Error manifest unknown',
        'Error response from daemon: manifest unknown',
        `✖ \`${[...s.compose, 'pull', 'postgrest'].join(' ').replaceAll(s.dir, '<tmp>')}\` failed with exit code 18.`,
        'hint: The stack was not changed: generated/docker-compose.yml is back to the images it runs. Fix what the pull reported (network, registry, image name), then run `sparkbaas upgrade --yes` again.',
        '',
      ].join('\n'),
    )
    expect(snapshot(s.out)).toEqual(before)
    expect(s.fake.calls()).toEqual([VERSION_CALL, [...s.compose, 'pull', 'postgrest']])
  })

  test('daemon down at the pull: exit 4, the compose file put back', async () => {
    const s = await stackFixture()
    age(s, { [REST]: OLD_REST })
    const before = snapshot(s.out)
    const result = await s.run(['upgrade', '--yes'], { FAKE_DOCKER_SCENARIO: 'daemon-down' })
    expect(result.code).toBe(4)
    expect(result.stderr.split('\n').slice(-3)).toEqual([
      '✖ docker compose is installed, but the Docker engine is not running (cannot connect to it).',
      'hint: The stack was not changed: generated/docker-compose.yml is back to the images it runs. Start Docker Desktop (macOS, Windows) or the service (Linux: `sudo systemctl start docker`); `docker info` checks it. Then run `sparkbaas upgrade --yes` again.',
      '',
    ])
    expect(snapshot(s.out)).toEqual(before)
  })

  test('no generated output, or a compose file that is not one: said so', async () => {
    const s = await stackFixture({ generate: false })
    const missing = await s.run(['upgrade'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(
      '✖ generated/docker-compose.yml does not exist: the stack has not been generated there.\nhint: Run `sparkbaas up` (it generates first) or `sparkbaas generate`.\n',
    )

    const t = await stackFixture()
    writeFileSync(join(t.out, 'docker-compose.yml'), 'name: demo\n')
    const broken = await t.run(['upgrade'])
    expect(broken.code).toBe(1)
    expect(broken.stderr).toBe(
      [
        '✖ generated/docker-compose.yml cannot be read as a compose file: it has no `services:` mapping.',
        'hint: It should be the file `sparkbaas generate` wrote. Restore it (e.g. from git), or run `sparkbaas generate` to rewrite it if you know which images the stack runs.',
        '',
      ].join('\n'),
    )
  })
})
