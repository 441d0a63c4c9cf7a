/** `sparkbaas k8s status`: the stack's workloads in its namespace, ready or not and why; exit 1 when one is not. */
import { describe, expect, test } from 'vitest'
import { deployment, job, kubeList, pod, statefulSet } from '../helpers/fake-kubectl.js'
import { k8sFixture } from '../helpers/k8s-stack.js'

const GET = ['kubectl', 'get', 'deployments,statefulsets,jobs,pods', '-n', 'demo-ns', '-l', 'app.kubernetes.io/part-of=demo', '-o', 'json']

describe('sparkbaas k8s status', () => {
  test('everything ready (a Job that completed counts): the table, exit 0', async () => {
    const k = await k8sFixture()
    const result = await k.run(['k8s', 'status'], {
      FAKE_KUBECTL_GET: kubeList(statefulSet('postgres'), deployment('postgrest', { replicas: 2 }), job('postgres-init', 'complete'), pod('postgrest')),
    })
    expect(k.kubectl.calls()).toEqual([GET])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toBe(
      [
        'demo in namespace demo-ns: 3 of 3 workloads ready',
        '  NAME           KIND         READY  STATE',
        '  postgres       StatefulSet  1/1    ready',
        '  postgrest      Deployment   2/2    ready',
        '  postgres-init  Job          1/1    complete',
        '',
      ].join('\n'),
    )
  })

  test('not ready, with the reason its pods give; one the manifests define but the cluster lacks is "not created"; manifests\' order; exit 1', async () => {
    const k = await k8sFixture()
    const result = await k.run(['k8s', 'status', '--context', 'prod'], {
      FAKE_KUBECTL_GET: kubeList(
        deployment('postgrest', { replicas: 2, ready: 1, available: 1 }),
        pod('postgrest'),
        pod('postgrest', 'CreateContainerConfigError'),
        job('postgres-init', 'failed'),
        // One of the project's the manifests no longer define: listed last.
        deployment('keycloak'),
      ),
    })
    expect(k.kubectl.calls()).toEqual([['kubectl', '--context', 'prod', ...GET.slice(1)]])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe(
      [
        'demo in namespace demo-ns: 1 of 4 workloads ready',
        '  NAME           KIND         READY  STATE',
        '  postgres       StatefulSet  -      not created',
        '  postgrest      Deployment   1/2    progressing (CreateContainerConfigError)',
        '  postgres-init  Job          0/1    failed (BackoffLimitExceeded)',
        '  keycloak       Deployment   1/1    ready',
        '',
      ].join('\n'),
    )
  })

  test.each([
    ['a change the controller has not seen yet', deployment('postgrest', { generation: 2, observed: 1 }), 'progressing'],
    ['old replicas still terminating', { ...deployment('postgrest'), status: { ...deployment('postgrest').status, replicas: 2 } }, 'progressing'],
    ['past its progress deadline', deployment('postgrest', { ready: 0, available: 0, deadlineExceeded: true }), 'failed (ProgressDeadlineExceeded)'],
  ])('a Deployment is not ready when %s (kubectl rollout status)', async (_, object, state) => {
    const k = await k8sFixture({ mode: 'existing' })
    const result = await k.run(['k8s', 'status', '--json'], { FAKE_KUBECTL_GET: kubeList(object, statefulSet('postgres'), job('postgres-init', 'complete')) })
    expect(result.code).toBe(1)
    const json = JSON.parse(result.stdout) as { workloads: { name: string; state: string; reason: string | null }[] }
    const postgrest = json.workloads.find((w) => w.name === 'postgrest')!
    expect(postgrest.reason === null ? postgrest.state : `${postgrest.state} (${postgrest.reason})`).toBe(state)
  })

  test('a StatefulSet mid-update is not ready', async () => {
    const k = await k8sFixture()
    const result = await k.run(['k8s', 'status'], {
      FAKE_KUBECTL_GET: kubeList(statefulSet('postgres', { updateRevision: 'postgres-2' }), deployment('postgrest'), job('postgres-init', 'running'), pod('postgres-init', 'ImagePullBackOff')),
    })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('  postgres       StatefulSet  1/1    progressing\n')
    expect(result.stdout).toContain('  postgres-init  Job          0/1    running (ImagePullBackOff)\n')
  })

  test('--json: { ok, project, namespace, workloads: [{ name, kind, ready, desired, state, reason, ok }] }', async () => {
    const k = await k8sFixture()
    const result = await k.run(['k8s', 'status', '--json'], { FAKE_KUBECTL_GET: kubeList(statefulSet('postgres'), deployment('postgrest'), job('postgres-init', 'complete')) })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      project: 'demo',
      namespace: 'demo-ns',
      workloads: [
        { name: 'postgres', kind: 'StatefulSet', ready: 1, desired: 1, state: 'ready', reason: null, ok: true },
        { name: 'postgrest', kind: 'Deployment', ready: 1, desired: 1, state: 'ready', reason: null, ok: true },
        { name: 'postgres-init', kind: 'Job', ready: 1, desired: 1, state: 'complete', reason: null, ok: true },
      ],
    })
  })

  test('nothing deployed yet: every workload "not created", exit 1', async () => {
    const k = await k8sFixture()
    const result = await k.run(['k8s', 'status'])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe(
      [
        'demo in namespace demo-ns: 0 of 3 workloads ready',
        '  NAME           KIND         READY  STATE',
        '  postgres       StatefulSet  -      not created',
        '  postgrest      Deployment   -      not created',
        '  postgres-init  Job          -      not created',
        '',
      ].join('\n'),
    )
  })

  test('no Kubernetes output: the same refusal as apply, no kubectl call', async () => {
    const k = await k8sFixture()
    ;(await import('node:fs')).rmSync(k.dir, { recursive: true })
    const result = await k.run(['k8s', 'status'])
    expect(result).toMatchObject({
      code: 1,
      stderr: '✖ generated/k8s/kustomization.yaml does not exist: the stack has not been generated for Kubernetes there.\nhint: Run `sparkbaas generate --target kubernetes`.\n',
    })
    expect(k.kubectl.calls()).toEqual([])
  })

  test('a kustomization without a namespace cannot be used', async () => {
    const k = await k8sFixture()
    const fs = await import('node:fs')
    const file = `${k.dir}/kustomization.yaml`
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^namespace: .*\n/m, ''))
    expect(await k.run(['k8s', 'status'])).toMatchObject({
      code: 1,
      stderr: '✖ generated/k8s/kustomization.yaml cannot be used: it names no `namespace`.\nhint: Run `sparkbaas generate --target kubernetes` to write it again (hand edits there are overwritten).\n',
    })
  })
})
