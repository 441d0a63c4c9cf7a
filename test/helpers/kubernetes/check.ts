/**
 * The whole check of a generated k8s/ folder: build it with `kubectl kustomize`, validate every document against
 * the strict upstream JSON Schemas and with kubernetes-models, and check the cross-references. Returns the
 * problems (empty when the output is sound); throws only when kustomize cannot build the folder.
 *
 * A secretGenerator's env file holds secrets and may be absent from the output (the user writes it at deploy
 * time); then the build runs on a copy where that file declares each required key with a placeholder value.
 * When the file is there, each required key must be in it.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parse } from 'yaml'
import { docId, type KubeDocument } from './documents.js'
import { kustomizeBuild, type KustomizeOptions } from './kustomize.js'
import { validateWithModels } from './models.js'
import { checkReferences } from './references.js'
import { validateWithSchemas } from './schemas.js'

export interface CheckOptions extends KustomizeOptions {
  /** The keys the secretGenerator's Secret must hold (those the manifests' secretKeyRefs may use). */
  readonly requiredSecretKeys?: readonly string[]
}

interface SecretGenerator {
  readonly name?: string
  readonly envs?: readonly string[]
  readonly options?: { readonly disableNameSuffixHash?: boolean }
  readonly literals?: readonly string[]
}

export const PLACEHOLDER = 'placeholder-written-by-the-check'

function secretGenerators(dir: string): SecretGenerator[] {
  const file = join(dir, 'kustomization.yaml')
  if (!existsSync(file)) throw new Error(`${file} does not exist`)
  const kustomization = (parse(readFileSync(file, 'utf8')) ?? {}) as { secretGenerator?: SecretGenerator[] }
  return kustomization.secretGenerator ?? []
}

export async function checkKubernetesOutput(dir: string, options: CheckOptions = {}): Promise<string[]> {
  const required = options.requiredSecretKeys ?? []
  const generators = secretGenerators(dir)
  const missing = generators.flatMap((g) => (g.envs ?? []).filter((env) => !existsSync(join(dir, env))))
  let buildDir = dir
  if (missing.length > 0) {
    buildDir = mkdtempSync(join(tmpdir(), 'sparkbaas-k8s-check-'))
    cpSync(dir, buildDir, { recursive: true })
    for (const env of missing) {
      const target = join(buildDir, env)
      mkdirSync(dirname(target), { recursive: true })
      writeFileSync(target, required.map((key) => `${key}=${PLACEHOLDER}\n`).join(''))
    }
  }
  let docs: KubeDocument[]
  try {
    docs = await kustomizeBuild(buildDir, options)
  } finally {
    if (buildDir !== dir) rmSync(buildDir, { recursive: true, force: true })
  }

  const problems: string[] = []
  // Generated Secrets are named `<generator name>-<hash>` (kustomize's api/hasher: a 10-character suffix), or just
  // `<generator name>` with `options.disableNameSuffixHash` (kustomize api/types/generatoroptions.go).
  const declaredSecretKeys: Record<string, readonly string[]> = {}
  for (const generator of generators) {
    const suffix = generator.options?.disableNameSuffixHash === true ? '' : '-[a-z0-9]{10}'
    const pattern = new RegExp(`^${(generator.name ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${suffix}$`)
    const secret = docs.find((d) => d.kind === 'Secret' && pattern.test(d.metadata?.name ?? ''))
    if (secret === undefined) {
      problems.push(`secretGenerator "${generator.name ?? ''}": no generated Secret in the kustomize output`)
      continue
    }
    const name = secret.metadata?.name ?? ''
    declaredSecretKeys[name] = required
    const held = new Set(Object.keys((secret.data ?? {}) as object))
    for (const key of required) if (!held.has(key)) problems.push(`${docId(secret)} (secretGenerator "${generator.name ?? ''}"): lacks the required key "${key}"`)
  }
  problems.push(...validateWithSchemas(docs), ...(await validateWithModels(docs)), ...checkReferences(docs, { declaredSecretKeys }))
  return problems
}
