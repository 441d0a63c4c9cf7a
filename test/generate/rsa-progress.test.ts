/**
 * The first `generate` (and the first after a realm is added) makes an RSA signing key per new realm (a 2048-bit key is 100–300 ms of CPU each): a person at a
 * terminal is told why it takes a moment. Scripts and CI logs (stderr not a terminal) and --json get nothing, so
 * their stderr stays empty on success.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { BASE_CONFIG, makeProject, runCli, writeConfig } from './helpers.js'

const descriptor = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY')
const stderrIsTerminal = (tty: boolean) => Object.defineProperty(process.stderr, 'isTTY', { value: tty, configurable: true })
afterEach(() => {
  if (descriptor) Object.defineProperty(process.stderr, 'isTTY', descriptor)
  else delete (process.stderr as { isTTY?: boolean }).isTTY
})

const LINE = 'Making the RSA signing keys of 2 Keycloak realms (once per realm)…\n'

describe('generate: a progress line while the realms’ RSA keys are made', () => {
  test('on a terminal: on the first generate, not the next', async () => {
    stderrIsTerminal(true)
    const dir = makeProject()
    const config = join(dir, 'sparkbaas.config.json')
    const first = await runCli(['generate', '--config', config])
    expect(first.code).toBe(0)
    expect(first.stderr).toBe(LINE)
    // The keys are in .env now: nothing to make, nothing to say.
    const second = await runCli(['generate', '--config', config])
    expect(second.stderr).toBe('')
  })

  test('--dry-run makes the keys it would add too, and says so', async () => {
    stderrIsTerminal(true)
    const dir = makeProject()
    const dry = await runCli(['generate', '--config', join(dir, 'sparkbaas.config.json'), '--dry-run'])
    expect(dry.stderr).toBe(LINE)
  })

  test('never with --json, nor when stderr is not a terminal, nor for --check', async () => {
    stderrIsTerminal(true)
    const dir = makeProject()
    const config = join(dir, 'sparkbaas.config.json')
    const json = await runCli(['generate', '--config', config, '--json', '--out', join(dir, 'a')])
    expect(json.code).toBe(0)
    expect(json.stderr).toBe('')
    const check = await runCli(['generate', '--config', config, '--check', '--out', join(dir, 'b')])
    expect(check.stderr).not.toContain('RSA')
    stderrIsTerminal(false)
    const piped = await runCli(['generate', '--config', config, '--out', join(dir, 'c')])
    expect(piped.code).toBe(0)
    expect(piped.stderr).toBe('')
  })

  test('a realm added later: its one key, in the singular', async () => {
    stderrIsTerminal(true)
    const dir = makeProject()
    const config = join(dir, 'sparkbaas.config.json')
    expect((await runCli(['generate', '--config', config])).code).toBe(0)
    writeConfig(dir, { ...BASE_CONFIG, realms: [...BASE_CONFIG.realms, { name: 'third' }] })
    const after = await runCli(['generate', '--config', config])
    expect(after.code).toBe(0)
    expect(after.stderr).toBe('Making the RSA signing key of a Keycloak realm (once per realm)…\n')
  })
})
