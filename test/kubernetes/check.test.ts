import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { checkKubernetesOutput } from '../helpers/kubernetes/check.js'
import { kustomizeBuild } from '../helpers/kubernetes/kustomize.js'

const fixture = fileURLToPath(new URL('../fixtures/kubernetes/app/', import.meta.url))
// The keys the user's secrets.env must define (the fixture's secretKeyRefs use these).
const requiredSecretKeys = ['JWT_SECRET', 'POSTGRES_PASSWORD']

const copies: string[] = []
afterEach(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A copy of the fixture app with one text replaced in one file (the text must be there, so no edit goes missing). */
function variant(file: string, from: string, to: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sparkbaas-k8s-variant-'))
  copies.push(dir)
  cpSync(fixture, dir, { recursive: true })
  const text = readFileSync(join(dir, file), 'utf8')
  expect(text.split(from).length - 1, `"${from}" once in ${file}`).toBe(1)
  writeFileSync(join(dir, file), text.replace(from, to))
  return dir
}

describe('checkKubernetesOutput', () => {
  it('finds no problem in the complete fixture app (secrets.env absent, as in generated output)', async () => {
    expect(existsSync(join(fixture, 'secrets.env'))).toBe(false)
    expect(await checkKubernetesOutput(fixture, { requiredSecretKeys })).toEqual([])
    expect(existsSync(join(fixture, 'secrets.env')), 'the check builds a copy; the folder it checks is left alone').toBe(false)
  })

  it('passes hostile text (ConfigMap values, secrets.env values) through kustomize and the checks untouched', async () => {
    const dir = variant('kustomization.yaml', 'kind: Kustomization', 'kind: Kustomization')
    const hostile = 'it\'s "quoted" $HOME ${x} `tick` \u00fcn\u00efc\u00f6d\u00e9 \u{1F680}'
    writeFileSync(join(dir, 'secrets.env'), `JWT_SECRET=${hostile}\nPOSTGRES_PASSWORD=p\n`)
    expect(await checkKubernetesOutput(dir, { requiredSecretKeys })).toEqual([])
    const docs = await kustomizeBuild(dir)
    const api = docs.find((d) => d.kind === 'ConfigMap' && d.metadata?.name === 'api')
    expect((api?.data as Record<string, string>).PGRST_APP_SETTINGS_GREETING).toBe(`${hostile}\nsecond line`)
    const secret = docs.find((d) => d.kind === 'Secret')
    expect(Buffer.from((secret?.data as Record<string, string>).JWT_SECRET ?? '', 'base64').toString('utf8')).toBe(hostile)
  })

  it('reports a secretKeyRef to a key that is not required (and so may not exist)', async () => {
    expect(await checkKubernetesOutput(fixture, { requiredSecretKeys: ['POSTGRES_PASSWORD'] })).toEqual([
      expect.stringMatching(/^demo\/Deployment\/api: container "postgrest" env PGRST_JWT_SECRET refers to key "JWT_SECRET" of Secret "demo-secrets-[a-z0-9]{10}", which has no such key \(it has: POSTGRES_PASSWORD\)$/),
    ])
  })

  it('reports a required key missing from a secrets.env that is there', async () => {
    const dir = variant('kustomization.yaml', 'kind: Kustomization', 'kind: Kustomization')
    writeFileSync(join(dir, 'secrets.env'), 'POSTGRES_PASSWORD=x\n')
    expect(await checkKubernetesOutput(dir, { requiredSecretKeys })).toEqual([
      expect.stringMatching(/^demo\/Secret\/demo-secrets-[a-z0-9]{10} \(secretGenerator "demo-secrets"\): lacks the required key "JWT_SECRET"$/),
    ])
  })

  it('reports an unknown field (strict schema) and a wrong type (schema and kubernetes-models)', async () => {
    expect(await checkKubernetesOutput(variant('traefik.yaml', '          args:', '          arguments:'), { requiredSecretKeys })).toEqual([
      'demo/Deployment/traefik: /spec/template/spec/containers/0: must NOT have additional properties (arguments)',
    ])
    expect(await checkKubernetesOutput(variant('migrate.yaml', 'backoffLimit: 3', 'backoffLimit: three'), { requiredSecretKeys })).toEqual([
      'demo/Job/migrate: /spec/backoffLimit: must be integer,null',
      'demo/Job/migrate: kubernetes-models: /spec/backoffLimit: must be integer',
    ])
  })

  it('reports a Service whose selector matches no pods', async () => {
    const dir = variant('api.yaml', 'spec:\n  selector:\n    app.kubernetes.io/name: api', 'spec:\n  selector:\n    app.kubernetes.io/name: postgrest')
    expect(await checkKubernetesOutput(dir, { requiredSecretKeys })).toEqual([
      'demo/Service/api: selector {app.kubernetes.io/name=postgrest, app.kubernetes.io/part-of=demo} matches the pod labels of no workload',
    ])
  })

  it('reports a NetworkPolicy peer that matches no pods, a dangling ConfigMap volume, and a Job that restarts Always', async () => {
    expect(await checkKubernetesOutput(variant('postgres.yaml', 'sparkbaas.dev/network-backend: "true"\n      ports:', 'sparkbaas.dev/network-db: "true"\n      ports:'), { requiredSecretKeys })).toEqual([
      'demo/NetworkPolicy/postgres: ingress[0].from[0].podSelector {sparkbaas.dev/network-db=true} matches the pod labels of no workload',
    ])
    expect(await checkKubernetesOutput(variant('traefik.yaml', '            name: traefik\n---', '            name: traefik-config\n---'), { requiredSecretKeys })).toEqual([
      'demo/Deployment/traefik: volume "config" refers to ConfigMap "traefik-config", which does not exist',
    ])
    expect(await checkKubernetesOutput(variant('migrate.yaml', 'restartPolicy: OnFailure', 'restartPolicy: Always'), { requiredSecretKeys })).toEqual([
      "demo/Job/migrate: the pod template's restartPolicy is Always; a Job's pods need Never or OnFailure",
    ])
  })

  it('reports a kind with no stored schema', async () => {
    const dir = variant('migrate.yaml', 'kind: Job', 'kind: CronJob')
    const problems = await checkKubernetesOutput(dir, { requiredSecretKeys })
    expect(problems[0]).toMatch(/^demo\/CronJob\/migrate: no stored JSON Schema for apiVersion batch\/v1 kind CronJob/)
  })

  it('throws kustomize\'s error when the folder does not build', async () => {
    const dir = variant('kustomization.yaml', '  - traefik.yaml', '  - traefic.yaml')
    await expect(checkKubernetesOutput(dir, { requiredSecretKeys })).rejects.toThrow(/kubectl kustomize .* failed/)
  })
})
