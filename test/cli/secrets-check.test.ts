/** `sparkbaas secrets check`: the keys of secrets.env.example, set or not in secrets.env and (--cluster) in the cluster. */
import { describe, expect, test } from 'vitest'
import { kubeList, secret } from '../helpers/fake-kubectl.js'
import { k8sFixture } from '../helpers/k8s-stack.js'

const b64 = (text: string) => Buffer.from(text).toString('base64')
/** Values a secret may hold that must never reach the output, nor break it. */
const HOSTILE = ['pa$$w"o\'rd`${HOME}`', 'ünï©ødé\\n']

describe('sparkbaas secrets check', () => {
  test('a generated Secret: each key with its comment, set or not in secrets.env; no value printed; exit 0', async () => {
    const k = await k8sFixture({ secrets: `POSTGRES_PASSWORD=${HOSTILE[0]}\n  PGRST_JWT_SECRET=${HOSTILE[1]}\n` })
    const result = await k.run(['secrets', 'check'])
    expect(k.kubectl.calls()).toEqual([])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toBe(
      [
        'demo: Secret demo-secrets in namespace demo-ns, made by kustomize from generated/k8s/secrets.env: 2 keys',
        '  KEY                LOCAL  DESCRIPTION',
        '  POSTGRES_PASSWORD  set    Password of the Postgres superuser',
        '  PGRST_JWT_SECRET   set    HMAC key PostgREST checks tokens with: `openssl rand -hex 32`, not ${HOME}',
        '',
      ].join('\n'),
    )
  })

  test('a key empty or absent locally: exit 1 (kustomize reads values verbatim: a line without "=" is empty)', async () => {
    const k = await k8sFixture({ secrets: 'POSTGRES_PASSWORD\n# PGRST_JWT_SECRET=commented out\n' })
    const result = await k.run(['secrets', 'check'])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('  POSTGRES_PASSWORD  empty    Password')
    expect(result.stdout).toContain('  PGRST_JWT_SECRET   missing  HMAC')
    const none = await k8sFixture({ secrets: null })
    const json = await none.run(['secrets', 'check', '--json'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      project: 'demo',
      namespace: 'demo-ns',
      clusterSecret: null,
      keys: [
        { key: 'POSTGRES_PASSWORD', description: 'Password of the Postgres superuser', local: 'missing', cluster: null },
        { key: 'PGRST_JWT_SECRET', description: 'HMAC key PostgREST checks tokens with: `openssl rand -hex 32`, not ${HOME}', local: 'missing', cluster: null },
      ],
      secret: { kind: 'generated', name: 'demo-secrets', envFile: "<tmp>/generated/k8s/secrets.env" },
    })
  })

  test('--cluster, generated: the newest demo-secrets-<hash> is read, key names only', async () => {
    const k = await k8sFixture()
    const secrets = kubeList(
      secret('demo-secrets-5g7hb8m9kt', { POSTGRES_PASSWORD: b64(HOSTILE[0]!), PGRST_JWT_SECRET: b64('x') }, '2026-12-01T10:00:00Z'),
      secret('demo-secrets-t2c4d5f6g7', { POSTGRES_PASSWORD: b64(HOSTILE[1]!), PGRST_JWT_SECRET: '' }, '2026-12-02T10:00:00Z'),
      secret('demo-secrets-extra', { PGRST_JWT_SECRET: b64('y') }, '2026-12-03T10:00:00Z'),
    )
    const result = await k.run(['secrets', 'check', '--cluster', '--context', 'prod'], { FAKE_KUBECTL_SECRETS: secrets })
    expect(k.kubectl.calls()).toEqual([['kubectl', '--context', 'prod', 'get', 'secrets', '-n', 'demo-ns', '-o', 'json']])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe(
      [
        'demo: Secret demo-secrets in namespace demo-ns, made by kustomize from generated/k8s/secrets.env: 2 keys',
        '  KEY                LOCAL  CLUSTER  DESCRIPTION',
        '  POSTGRES_PASSWORD  set    present  Password of the Postgres superuser',
        '  PGRST_JWT_SECRET   set    empty    HMAC key PostgREST checks tokens with: `openssl rand -hex 32`, not ${HOME}',
        '  checked in the cluster: Secret demo-secrets-t2c4d5f6g7',
        '',
      ].join('\n'),
    )
    for (const value of [...HOSTILE, b64(HOSTILE[0]!), b64(HOSTILE[1]!)]) expect(result.raw.stdout + result.raw.stderr).not.toContain(value)
  })

  test('an existing Secret: listed without a LOCAL column; --cluster reads it by name, absent → every key missing', async () => {
    const k = await k8sFixture({ mode: 'existing' })
    const plain = await k.run(['secrets', 'check'])
    expect(plain).toMatchObject({ code: 0 })
    expect(plain.stdout).toBe(
      [
        'demo: Secret demo-credentials in namespace demo-ns, which must exist in the cluster: 2 keys',
        '  KEY                DESCRIPTION',
        '  POSTGRES_PASSWORD  Password of the Postgres superuser',
        '  PGRST_JWT_SECRET   HMAC key PostgREST checks tokens with: `openssl rand -hex 32`, not ${HOME}',
        '  --cluster checks that the cluster holds them',
        '',
      ].join('\n'),
    )
    expect(k.kubectl.calls()).toEqual([])
    const absent = await k.run(['secrets', 'check', '--cluster'])
    expect(k.kubectl.calls()).toEqual([['kubectl', 'get', 'secret', 'demo-credentials', '-n', 'demo-ns', '-o', 'json', '--ignore-not-found']])
    expect(absent.code).toBe(1)
    expect(absent.stdout).toContain('  POSTGRES_PASSWORD  missing  Password')
    expect(absent.stdout).toContain('  the cluster has no Secret demo-credentials in namespace demo-ns\n')
    const present = await k.run(['secrets', 'check', '--cluster'], {
      FAKE_KUBECTL_SECRETS: kubeList(secret('demo-credentials', { POSTGRES_PASSWORD: b64('a'), PGRST_JWT_SECRET: b64('b'), EXTRA: b64('c') })),
    })
    expect(present.code).toBe(0)
    expect(present.stdout).toContain('  checked in the cluster: Secret demo-credentials\n')
  })

  test('--cluster on a cluster that cannot be reached: exit 4', async () => {
    const k = await k8sFixture()
    expect((await k.run(['secrets', 'check', '--cluster'], { FAKE_KUBECTL_SCENARIO: 'refused' })).code).toBe(4)
  })

  test('the example missing while the manifests read a Secret', async () => {
    const k = await k8sFixture()
    ;(await import('node:fs')).rmSync(`${k.dir}/secrets.env.example`)
    expect(await k.run(['secrets', 'check'])).toMatchObject({
      code: 1,
      stderr: '✖ generated/k8s/secrets.env.example does not exist: it lists the keys of Secret demo-secrets.\nhint: Run `sparkbaas generate --target kubernetes`.\n',
    })
  })

  test('manifests that read no Secret: nothing to provide, exit 0', async () => {
    const k = await k8sFixture({ mode: 'existing' })
    const fs = await import('node:fs')
    for (const file of ['postgres.yaml', 'postgrest.yaml', 'postgres-init.yaml']) {
      const path = `${k.dir}/${file}`
      fs.writeFileSync(path, fs.readFileSync(path, 'utf8').replace(/secretKeyRef:|secretRef:/g, 'configMapKeyRef:'))
    }
    expect(await k.run(['secrets', 'check', '--cluster'])).toMatchObject({ code: 0, stdout: 'demo: the manifests read no Secret; nothing to provide\n' })
    expect(k.kubectl.calls()).toEqual([])
  })

  test('manifests that read two Secrets cannot be used', async () => {
    const k = await k8sFixture({ mode: 'existing' })
    const fs = await import('node:fs')
    const path = `${k.dir}/postgrest.yaml`
    fs.writeFileSync(path, fs.readFileSync(path, 'utf8').replace('name: demo-credentials', 'name: other'))
    expect(await k.run(['secrets', 'check'])).toMatchObject({
      code: 1,
      stderr:
        '✖ generated/k8s/kustomization.yaml cannot be used: its manifests read 2 Secrets (demo-credentials, other), and sparkbaas expects one.\n' +
        'hint: Run `sparkbaas generate --target kubernetes` to write it again (hand edits there are overwritten).\n',
    })
  })

  test('a manifest that is not YAML cannot be used', async () => {
    const k = await k8sFixture()
    ;(await import('node:fs')).writeFileSync(`${k.dir}/postgrest.yaml`, 'kind: [unclosed\n')
    const result = await k.run(['secrets', 'check'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^✖ generated\/k8s\/postgrest\.yaml cannot be used: it is not valid YAML \(.+\)\.\nhint: Run `sparkbaas generate --target kubernetes` to write it again \(hand edits there are overwritten\)\.\n$/)
  })

  test('`sparkbaas secrets` and `sparkbaas k8s` need a command (exit 2)', async () => {
    const k = await k8sFixture()
    expect(await k.run(['secrets'])).toMatchObject({ code: 2, stderr: '✖ `sparkbaas secrets` needs a command: check.\nhint: Run `sparkbaas secrets --help` for more.\n' })
    expect(await k.run(['k8s'])).toMatchObject({ code: 2, stderr: '✖ `sparkbaas k8s` needs a command: apply, status.\nhint: Run `sparkbaas k8s --help` for more.\n' })
  })
})
