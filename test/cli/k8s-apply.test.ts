import { readFileSync } from 'node:fs'
import { join } from 'node:path'
/** `sparkbaas k8s apply`: checks before kubectl runs (output there, fresh, secrets set), the kubectl call, its report. */
import { describe, expect, test } from 'vitest'
import { k8sFixture } from '../helpers/k8s-stack.js'

const OBJECTS = ['secret/demo-secrets-7k9m2b4g5t', 'service/postgres', 'statefulset.apps/postgres', 'deployment.apps/postgrest', 'job.batch/postgres-init'].join('\n')

describe('sparkbaas k8s apply', () => {
  test('runs `kubectl apply -k <out>/k8s --server-side --field-manager=sparkbaas` and lists what it applied', async () => {
    const k = await k8sFixture({ real: true })
    const result = await k.run(['k8s', 'apply'], { FAKE_KUBECTL_OBJECTS: OBJECTS })
    expect(k.kubectl.calls()).toEqual([['kubectl', 'apply', '-k', k.dir, '--server-side', '--field-manager=sparkbaas']])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toBe(
      [
        "✔ demo: generated/k8s/ applied to namespace demo-ns (kubectl's current context): 5 objects",
        '  secret/demo-secrets-7k9m2b4g5t  serverside-applied',
        '  service/postgres                serverside-applied',
        '  statefulset.apps/postgres       serverside-applied',
        '  deployment.apps/postgrest       serverside-applied',
        '  job.batch/postgres-init         serverside-applied',
        '',
      ].join('\n'),
    )
  })

  test('--context and --kubeconfig go to kubectl, before its command; --json lists the objects', async () => {
    const k = await k8sFixture({ real: true })
    const result = await k.run(['k8s', 'apply', '--context', 'prod', '--kubeconfig', '/etc/kube/config', '--json'], { FAKE_KUBECTL_OBJECTS: OBJECTS })
    expect(k.kubectl.calls()).toEqual([['kubectl', '--context', 'prod', '--kubeconfig', '/etc/kube/config', 'apply', '-k', k.dir, '--server-side', '--field-manager=sparkbaas']])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      project: 'demo',
      namespace: 'demo-ns',
      dryRun: null,
      serverSide: true,
      applied: OBJECTS.split('\n').map((object) => ({ object, action: 'serverside-applied' })),
      warnings: [],
      context: 'prod',
    })
  })

  test("kubectl's warnings are passed on: on stderr, or in --json", async () => {
    const k = await k8sFixture({ real: true })
    const warning = 'Warning: would violate PodSecurity "restricted:latest": runAsNonRoot != true'
    const text = await k.run(['k8s', 'apply'], { FAKE_KUBECTL_OBJECTS: 'service/postgres', FAKE_KUBECTL_WARNING: warning })
    expect(text).toMatchObject({ code: 0, stderr: `! ${warning}\n` })
    const json = await k.run(['k8s', 'apply', '--json'], { FAKE_KUBECTL_OBJECTS: 'service/postgres', FAKE_KUBECTL_WARNING: warning })
    expect(json.stderr).toBe('')
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, warnings: [warning] })
  })

  test('--dry-run=server stays server-side; --dry-run=client drops --server-side, which kubectl refuses with it', async () => {
    const k = await k8sFixture({ real: true })
    const server = await k.run(['k8s', 'apply', '--dry-run=server'], { FAKE_KUBECTL_OBJECTS: 'service/postgres' })
    expect(server.stdout).toBe("✔ demo: dry run (server) of generated/k8s/ in namespace demo-ns (kubectl's current context): 1 object, nothing changed\n  service/postgres  serverside-applied (server dry run)\n")
    const client = await k.run(['k8s', 'apply', '--dry-run', 'client'], { FAKE_KUBECTL_OBJECTS: 'service/postgres' })
    expect(client.stdout).toBe("✔ demo: dry run (client) of generated/k8s/ in namespace demo-ns (kubectl's current context): 1 object, nothing changed\n  service/postgres  created (dry run)\n")
    expect(k.kubectl.calls()).toEqual([
      ['kubectl', 'apply', '-k', k.dir, '--server-side', '--field-manager=sparkbaas', '--dry-run=server'],
      ['kubectl', 'apply', '-k', k.dir, '--dry-run=client'],
    ])
    const bad = await k.run(['k8s', 'apply', '--dry-run=none'])
    expect(bad).toMatchObject({ code: 2, stderr: '✖ Invalid value for argument: --dry-run (none). Expected one of: server, client.\n' })
  })

  test('a server-side apply conflict fails with kubectl\'s words; --force-conflicts is passed only when given', async () => {
    const k = await k8sFixture({ real: true })
    const conflict = await k.run(['k8s', 'apply'], { FAKE_KUBECTL_SCENARIO: 'conflict' })
    expect(conflict.code).toBe(1)
    expect(conflict.stderr).toBe(
      [
        `✖ \`kubectl apply -k ${k.dir.replace(k.stack.dir, '<tmp>')} --server-side --field-manager=sparkbaas\` failed with exit code 1:`,
        '  error: Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas',
        '  Please review the fields above--they currently have other managers.',
        '',
      ].join('\n'),
    )
    const forced = await k.run(['k8s', 'apply', '--force-conflicts'], { FAKE_KUBECTL_SCENARIO: 'conflict', FAKE_KUBECTL_OBJECTS: 'deployment.apps/postgrest' })
    expect(forced.code).toBe(0)
    expect(k.kubectl.calls()[1]).toEqual(['kubectl', 'apply', '-k', k.dir, '--server-side', '--field-manager=sparkbaas', '--force-conflicts'])
    const both = await k.run(['k8s', 'apply', '--force-conflicts', '--dry-run=client'])
    expect(both).toMatchObject({
      code: 2,
      stderr: '✖ --force-conflicts and --dry-run=client cannot be used together.\nhint: --force-conflicts is a server-side apply option; use --dry-run=server to try it.\n',
    })
  })
})

describe('sparkbaas k8s apply refuses, and runs no kubectl, when', () => {
  test('there is no Kubernetes output', async () => {
    const k = await k8sFixture({ real: true })
    const { rmSync } = await import('node:fs')
    rmSync(k.dir, { recursive: true })
    const result = await k.run(['k8s', 'apply'])
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr: '✖ generated/k8s/kustomization.yaml does not exist: the stack has not been generated for Kubernetes there.\nhint: Run `sparkbaas generate --target kubernetes`.\n',
    })
    expect(k.kubectl.calls()).toEqual([])
    const json = await k.run(['k8s', 'apply', '--json'])
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      problems: [{ path: '', code: 'not_generated', message: 'generated/k8s/kustomization.yaml does not exist: the stack has not been generated for Kubernetes there.' }],
    })
  })

  test('an environment: its own folder, and the hint names it (--env, or SPARKBAAS_ENV)', async () => {
    const k = await k8sFixture({ real: true })
    const config = JSON.parse((await import('node:fs')).readFileSync(`${k.stack.dir}/sparkbaas.config.json`, 'utf8')) as object
    k.stack.writeConfig({ ...config, environments: { staging: { domain: 'staging.localhost' } } })
    const expected = {
      code: 1,
      stderr: '✖ generated.staging/k8s/kustomization.yaml does not exist: the stack has not been generated for Kubernetes there.\nhint: Run `sparkbaas generate --target kubernetes --env staging`.\n',
    }
    expect(await k.run(['k8s', 'apply', '--env', 'staging'])).toMatchObject(expected)
    expect(await k.run(['k8s', 'status'], { SPARKBAAS_ENV: 'staging' })).toMatchObject(expected)
    expect(await k.run(['secrets', 'check', '--env=staging'])).toMatchObject(expected)
    expect(k.kubectl.calls()).toEqual([])
  })

  test('the output is out of date with the config (exit 1, each file listed)', async () => {
    const k = await k8sFixture({ real: true })
    const config = JSON.parse((await import('node:fs')).readFileSync(`${k.stack.dir}/sparkbaas.config.json`, 'utf8')) as { routes: unknown[] }
    k.stack.writeConfig({ ...config, routes: config.routes.slice(0, 1) })
    const result = await k.run(['k8s', 'apply'])
    expect(result.code).toBe(1)
    // The Kubernetes target is what is planned: the files listed are k8s/'s (the route to Keycloak went).
    expect(result.stderr).toBe(
      [
        '✖ generated/ is out of date with sparkbaas.config.json (3 files); nothing was applied:',
        '  .sparkbaas-manifest.json: differs from what the config generates',
        '  k8s/keycloak.yaml: differs from what the config generates',
        '  k8s/traefik.yaml: differs from what the config generates',
        'hint: Run `sparkbaas generate --target kubernetes`, review the change, then apply again.',
        '',
      ].join('\n'),
    )
    expect(k.kubectl.calls()).toEqual([])
  })

  test('secrets.env is missing and the kustomization makes the Secret from it', async () => {
    const k = await k8sFixture({ real: true, secrets: null })
    const result = await k.run(['k8s', 'apply'])
    expect(result).toMatchObject({
      code: 1,
      stderr:
        '✖ generated/k8s/secrets.env does not exist, and the kustomization makes Secret demo-secrets from it; nothing was applied.\n' +
        'hint: Run `sparkbaas generate --target kubernetes` (it writes the file from the values in .env), or write it by hand from secrets.env.example; `sparkbaas secrets check` lists the keys.\n',
    })
    expect(k.kubectl.calls()).toEqual([])
  })

  test('secrets.env lacks a key or has it empty (the values are never printed)', async () => {
    const k = await k8sFixture({ real: true })
    // What generate wrote, with one value emptied, one key gone and a hostile extra line.
    const written = readFileSync(join(k.dir, 'secrets.env'), 'utf8')
    expect(written).toMatch(/^KEYCLOAK_DB_PASSWORD=./m)
    k.writeSecrets(
      '# a comment\n' +
        written
          .split('\n')
          .filter((line) => !line.startsWith('KEYCLOAK_DB_PASSWORD='))
          .map((line) => (line.startsWith('POSTGRES_PASSWORD=') ? 'POSTGRES_PASSWORD=' : line))
          .join('\n') +
        "OTHER='$(rm -rf /)'\n",
    )
    const result = await k.run(['k8s', 'apply'])
    expect(result).toMatchObject({
      code: 1,
      stderr: [
        "✖ generated/k8s/secrets.env lacks 2 values Secret demo-secrets needs; nothing was applied:",
        '  POSTGRES_PASSWORD: has an empty value',
        '  KEYCLOAK_DB_PASSWORD: is not in secrets.env',
        'hint: Set them in generated/k8s/secrets.env; `sparkbaas secrets check` lists every key.',
        '',
      ].join('\n'),
    })
    expect(k.kubectl.calls()).toEqual([])
  })

  test('with an existing Secret, no secrets.env is needed', async () => {
    const k = await k8sFixture({ real: true, mode: 'existing' })
    expect((await k.run(['k8s', 'apply'])).code).toBe(0)
    expect(k.kubectl.calls()).toHaveLength(1)
  })
})

describe('kubectl itself', () => {
  test('not on PATH: exit 3, what to install', async () => {
    const k = await k8sFixture({ real: true })
    const result = await k.stack.run(['k8s', 'apply'])
    expect(result).toMatchObject({
      code: 3,
      stderr:
        '✖ kubectl is not on PATH: sparkbaas talks to Kubernetes through it.\n' +
        'hint: Install kubectl (https://kubernetes.io/docs/tasks/tools/), or set SPARKBAAS_KUBECTL to the command to use instead, e.g. SPARKBAAS_KUBECTL="minikube kubectl --".\n',
    })
  })

  test('SPARKBAAS_KUBECTL replaces it, words split at blanks; a broken one says so (exit 3)', async () => {
    const k = await k8sFixture({ real: true, kubectlName: 'k3s' })
    const ok = await k.run(['k8s', 'apply'], { SPARKBAAS_KUBECTL: ' k3s  kubectl ', FAKE_KUBECTL_OBJECTS: 'service/postgres' })
    expect(ok.code).toBe(0)
    expect(k.kubectl.calls()).toEqual([['kubectl', 'kubectl', 'apply', '-k', k.dir, '--server-side', '--field-manager=sparkbaas']])
    const broken = await k.run(['k8s', 'apply'], { SPARKBAAS_KUBECTL: 'microk8s kubectl' })
    expect(broken).toMatchObject({
      code: 3,
      stderr: '✖ SPARKBAAS_KUBECTL="microk8s kubectl" cannot be used: microk8s is not on PATH.\nhint: Fix or unset SPARKBAAS_KUBECTL; without it sparkbaas runs kubectl.\n',
    })
  })

  test.each([
    [
      'refused',
      [],
      "✖ The cluster of kubectl's current context cannot be reached: The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\nhint: Check the cluster is running and kubectl points at it: `kubectl config current-context`, `kubectl cluster-info`; or pass --context / --kubeconfig.\n",
    ],
    [
      'unreachable',
      ['--context', 'prod'],
      '✖ The cluster of context prod cannot be reached: Unable to connect to the server: dial tcp: lookup k8s.example.internal: no such host\nhint: Check the cluster is running and kubectl points at it: `kubectl config current-context`, `kubectl cluster-info`; or pass --context / --kubeconfig.\n',
    ],
    [
      'unauthorized',
      [],
      "✖ The cluster of kubectl's current context refused the credentials: error: You must be logged in to the server (Unauthorized)\nhint: Log in again (your cloud provider's `get-credentials` command, or a fresh kubeconfig); `kubectl auth whoami` checks it.\n",
    ],
  ])('a cluster that cannot be used (%s): exit 4', async (scenario, extra, stderr) => {
    const k = await k8sFixture({ real: true })
    const result = await k.run(['k8s', 'apply', ...extra], { FAKE_KUBECTL_SCENARIO: scenario })
    expect(result).toMatchObject({ code: 4, stdout: '', stderr })
  })
})
