/**
 * The commands that run the compose stack, on a project whose target is Kubernetes: each says so and what to use
 * instead (exit 2), before looking for a compose engine or touching anything.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { BASE_CONFIG, makeProject, runCli } from '../generate/helpers.js'

const message = (where: string) =>
  [
    `✖ Stack demo runs on Kubernetes (${where} target: "kubernetes"): this command runs the compose stack, which is not generated for it.`,
    'hint: On the cluster use `sparkbaas k8s apply` (its migrations Job applies migrations/) and `sparkbaas k8s status`, and kubectl for the rest (`kubectl -n demo get pods`, `kubectl -n demo logs <pod>`). To run the stack here too, use an environment with target: "compose" (--env).',
    '',
  ].join('\n')

describe('compose commands on the Kubernetes target', () => {
  test.each([['up'], ['down'], ['status'], ['logs'], ['restart'], ['migrate', 'status'], ['migrate', 'up'], ['backup'], ['reset', '--yes'], ['exec', 'postgres', '--config', '<config>', '--', 'ls']])(
    'sparkbaas %s refuses, naming what to use instead',
    async (...argv) => {
      const dir = makeProject({ ...BASE_CONFIG, target: 'kubernetes' })
      const config = join(dir, 'sparkbaas.config.json')
      const run = await runCli(argv.includes('<config>') ? argv.map((a) => (a === '<config>' ? config : a)) : [...argv, '--config', config])
      expect(run.stderr).toBe(message('its config sets'))
      expect(run.code).toBe(2)
      expect(existsSync(join(dir, 'generated'))).toBe(false)
    },
  )

  test('an environment that targets Kubernetes is named; the default one still runs compose', async () => {
    const dir = makeProject({ ...BASE_CONFIG, environments: { prod: { target: 'kubernetes' } } })
    const run = await runCli(['status', '--env', 'prod', '--config', join(dir, 'sparkbaas.config.json')])
    expect(run.stderr).toBe(message('its environment "prod" sets').replaceAll('demo', 'demo-prod'))
    expect(run.code).toBe(2)
    const compose = await runCli(['status', '--config', join(dir, 'sparkbaas.config.json')])
    expect(compose.stderr).toContain('generated/docker-compose.yml does not exist')
  })
})
