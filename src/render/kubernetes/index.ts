/**
 * The Kubernetes target: the stack as plain manifests in `k8s/`, one multi-document file per component (see
 * components.ts), a kustomization.yaml that lists them and makes the Secret, `secrets.env.example` naming the
 * Secret's keys, and a `.gitignore` for the `secrets.env` the writer copies from `.env`.
 *
 * It reads the model and the files the compose-side renderers made (realm JSON, init SQL, dynamic.yml, the
 * functions and their runtime, …), which the compose stack bind-mounts and the pods mount from ConfigMaps: the same
 * bytes on both targets. No secret value is read here: a `.env` reference becomes a `secretKeyRef`.
 */
import { SparkbaasError } from '../../errors.js'
import { K8S_DIR, K8S_KUSTOMIZATION, K8S_SECRETS_ENV_EXAMPLE } from '../../layout.js'
import type { MigrationFile } from '../../migrate/files.js'
import type { StackModel } from '../../model/types.js'
import { commentSafe, header } from '../header.js'
import type { RenderedFile } from '../types.js'
import { COMPONENTS } from './components.js'
import { referencedKeys } from './env.js'
import type { KubeContext } from './meta.js'
import { yamlFile, type KubeObject, type Kustomization } from './serialize.js'


/**
 * `files`: what the other renderers made (never written on this target, only mounted); `migrations`: the project's
 * migration files, applied by a Job (migrations.ts).
 */
export function renderKubernetes(model: StackModel, files: readonly RenderedFile[], migrations: readonly MigrationFile[] = []): RenderedFile[] {
  const ctx: KubeContext = { model, files: new Map(files.map((file) => [file.path, file.contents])), migrations }
  const claimed = new Map<string, string>()
  const rendered: RenderedFile[] = []
  const objects: KubeObject[] = []
  for (const component of COMPONENTS) {
    const services = model.services.filter(component.services)
    for (const service of services) {
      const other = claimed.get(service.name)
      if (other !== undefined) throw new Error(`internal: service ${service.name} is in both ${other} and ${component.file}`)
      claimed.set(service.name, component.file)
    }
    const built = component.build(ctx, services)
    if (built.length === 0) continue
    objects.push(...built)
    rendered.push(yamlFile(`${K8S_DIR}/${component.file}`, model.configFile, built, component.comment?.(ctx)))
  }
  const unclaimed = model.services.filter((service) => !claimed.has(service.name)).map((service) => service.name)
  if (unclaimed.length > 0) throw new Error(`internal: no Kubernetes component renders ${unclaimed.join(', ')}`)
  checkTraefikTargets(model, objects)

  const { secret } = model.kubernetes
  const kustomization: Kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: model.kubernetes.namespace,
    resources: rendered.map((file) => file.path.slice(K8S_DIR.length + 1)),
    // A fixed name, no content-hash suffix: the Jobs' pod templates, which Kubernetes never lets change, name it, and
    // the manifests read the same name whether kustomize makes the Secret or it exists already (existingSecret).
    ...(secret.generated ? { secretGenerator: [{ name: secret.name, envs: ['secrets.env'], options: { disableNameSuffixHash: true } }] } : {}),
  }
  const kustomizationComment = secret.generated
    ? `Apply with \`kubectl apply --server-side -k ${K8S_DIR}/\`. The Secret ${secret.name} is made from secrets.env, which\n\`sparkbaas generate\` copies from ../.env and git never sees (secrets.env.example lists its keys).`
    : `Apply with \`kubectl apply --server-side -k ${K8S_DIR}/\`. The manifests read the existing Secret ${secret.name}\n(kubernetes.existingSecret), which must hold every key secrets.env.example lists.`
  return [
    ...rendered,
    yamlFile(K8S_KUSTOMIZATION, model.configFile, [kustomization], kustomizationComment),
    secretsExample(model),
    {
      path: `${K8S_DIR}/.gitignore`,
      contents: `${header('#', model.configFile)}# A copy of ../.env's secrets for kustomize: never commit it.\nsecrets.env\n`,
      format: 'text',
      artifact: 'kubernetes',
    },
  ]
}

/** The `.env` keys the manifests read from the Secret, in `.env` order: what `k8s/secrets.env` holds. */
export function kubernetesSecretKeys(model: StackModel): string[] {
  const used = new Set(model.services.flatMap((service) => referencedKeys(service.environment)))
  const keys = model.env.map((v) => v.key).filter((key) => used.has(key))
  const unknown = [...used].filter((key) => !keys.includes(key))
  if (unknown.length > 0) throw new Error(`internal: services read .env keys the model does not make: ${unknown.join(', ')}`)
  return keys
}

function secretsExample(model: StackModel): RenderedFile {
  const comments = new Map(model.env.map((v) => [v.key, v.comment]))
  const { secret } = model.kubernetes
  const lines = [
    `# The keys of the Secret ${secret.name}, which the manifests read: one KEY= per line, values never here.`,
    secret.generated
      ? '# `sparkbaas generate` writes them with their values from ../.env into secrets.env (git-ignored) for kustomize.'
      : '# kubernetes.existingSecret names that Secret: it must exist in the namespace with every key below.',
  ]
  for (const key of kubernetesSecretKeys(model)) {
    lines.push('', ...(comments.get(key) ?? '').split('\n').filter((line) => line !== '').map((line) => `# ${commentSafe(line)}`), `${key}=`)
  }
  return { path: K8S_SECRETS_ENV_EXAMPLE, contents: `${header('#', model.configFile)}${lines.join('\n')}\n`, format: 'env', artifact: 'kubernetes' }
}

/** dynamic.yml (traefik.ts) names each target as `http://<compose service>:<port>`: each must be a Service here. */
function checkTraefikTargets(model: StackModel, objects: readonly KubeObject[]): void {
  const services = new Map(objects.flatMap((o) => (o.kind === 'Service' ? [[o.metadata!.name!, o.spec?.ports?.map((p) => p.port) ?? []] as const] : [])))
  for (const { name, target } of model.traefikServices) {
    if (!services.get(target.service)?.includes(target.port)) {
      throw new SparkbaasError('render_failed', `internal: Traefik's service ${name} targets ${target.service}:${target.port}, which no Kubernetes Service serves`)
    }
  }
}
