/** `--env` and SPARKBAAS_ENV on the commands that read a config, and `sparkbaas config show`. */
import { join } from 'node:path'
import { afterEach, expect, test, vi } from 'vitest'
import { openStack } from '../../src/stack/context.js'
import { stackOptions } from '../../src/cli/stack-args.js'
import { makeProject, runCli, BASE_CONFIG } from '../generate/helpers.js'

const withEnvironments = {
  ...BASE_CONFIG,
  environments: {
    prod: { production: true, domain: 'example.com', tls: { acme: { email: 'ops@example.com' } }, realms: [{ name: 'main', users: [] }] },
    staging: { domain: 'staging.localhost' },
  },
}

afterEach(() => vi.unstubAllEnvs())

test('config show --env prod --json prints the merged, validated config', async () => {
  const dir = makeProject(withEnvironments)
  const { code, stdout } = await runCli(['config', 'show', '--env', 'prod', '--json', '--config', join(dir, 'sparkbaas.config.json')])
  expect(code).toBe(0)
  const result = JSON.parse(stdout) as { environment: string; environments: string[]; config: Record<string, unknown> }
  expect(result.environment).toBe('prod')
  expect(result.environments).toEqual(['prod', 'staging'])
  expect(result.config).toMatchObject({ project: `${BASE_CONFIG.project}-prod`, domain: 'example.com', production: true, postgres: { exposePort: false } })
  expect(result.config).not.toHaveProperty('environments')
})

test('config show prints YAML; SPARKBAAS_ENV chooses the environment when --env is not given', async () => {
  const dir = makeProject(withEnvironments)
  vi.stubEnv('SPARKBAAS_ENV', 'staging')
  const { code, stdout } = await runCli(['config', 'show', '--config', join(dir, 'sparkbaas.config.json')])
  expect(code).toBe(0)
  expect(stdout).toMatch(/^# environment staging, from .*sparkbaas\.config\.json; environments: prod, staging\n/)
  expect(stdout).toMatch(/^domain: staging\.localhost$/m)
})

test('an unknown --env is a usage error with the environments there are', async () => {
  const dir = makeProject(withEnvironments)
  const { code, stderr } = await runCli(['validate', '--env', 'prdo', '--config', join(dir, 'sparkbaas.config.json')])
  expect(code).toBe(2)
  expect(stderr).toContain('No environment named "prdo". Did you mean "prod"? Environments in the config: prod, staging.')
})

test('validate --env names the overlay path of a production problem', async () => {
  const dir = makeProject({ ...withEnvironments, environments: { prod: { production: true, tls: 'off' } } })
  const { code, stderr } = await runCli(['validate', '--env', 'prod', '--config', join(dir, 'sparkbaas.config.json')])
  expect(code).toBe(1)
  expect(stderr).toContain('environments.prod.tls: tls is "off" in production')
})

test('the stack commands open the environment: its project and its folder', async () => {
  const dir = makeProject(withEnvironments)
  vi.stubEnv('SPARKBAAS_ENV', '')
  const base = await openStack({ cwd: dir, ...stackOptions({}) })
  const staging = await openStack({ cwd: dir, ...stackOptions({ env: 'staging' }) })
  expect([base.project, base.outDir]).toEqual([BASE_CONFIG.project, join(dir, 'generated')])
  expect([staging.project, staging.outDir, staging.env]).toEqual([`${BASE_CONFIG.project}-staging`, join(dir, 'generated.staging'), 'staging'])
  vi.stubEnv('SPARKBAAS_ENV', 'staging')
  expect(stackOptions({})).toEqual({ env: 'staging' })
  expect(stackOptions({ env: 'prod' })).toEqual({ env: 'prod' })
})
