/**
 * Which compose services go into which manifest file, and what each needs beyond the generic mapping of
 * workload.ts. One entry per file; every service of the model lands in exactly one (index.ts checks). A later
 * adapter (Traefik's CRDs, CloudNativePG, the Spark operator) replaces an entry's `build` with its own.
 */
import type { Namespace } from 'kubernetes-types/core/v1.js'
import type { ServiceModel } from '../../model/types.js'
import { migrationsJob } from './migrations.js'
import { networkPolicies } from './network-policies.js'
import { standardLabels, type KubeContext } from './meta.js'
import type { KubeObject } from './serialize.js'
import { workload, type WorkloadOptions } from './workload.js'

export interface Component {
  /** Its file in `k8s/`. */
  readonly file: string
  /** The compose services it renders. */
  readonly services: (service: ServiceModel) => boolean
  readonly build: (ctx: KubeContext, services: readonly ServiceModel[]) => KubeObject[]
  /** A comment under the file's header. */
  readonly comment?: (ctx: KubeContext) => string | undefined
}

const named =
  (...names: string[]) =>
  (service: ServiceModel) =>
    names.includes(service.name)

/** Each service through workload.ts with options of its own. */
const each =
  (options: (ctx: KubeContext, service: ServiceModel) => WorkloadOptions) =>
  (ctx: KubeContext, services: readonly ServiceModel[]): KubeObject[] =>
    services.flatMap((service) => workload(ctx, service, options(ctx, service)))

/** Replicas set by `kubernetes.replicas` for this service, if any. */
const replicas = (ctx: KubeContext, service: ServiceModel): { replicas?: number } => {
  const n = ctx.model.kubernetes.replicas[service.name]
  return n === undefined ? {} : { replicas: n }
}

/**
 * Postgres images before 18 keep their data in PGDATA=/var/lib/postgresql/data, the volume's root; a new volume
 * on a cluster often holds `lost+found`, where initdb refuses to start, so the data goes one folder down (the
 * postgres image's documentation, PGDATA: "a subdirectory … when the mount point … is not empty").
 * 18 and later already keep it below the volume (/var/lib/postgresql/18/docker).
 */
function postgresOptions(_ctx: KubeContext, service: ServiceModel): WorkloadOptions {
  if (service.name !== 'postgres') return { component: 'database-init' }
  const data = service.volumes.find((v) => v.target === '/var/lib/postgresql/data')
  return { component: 'database', stateful: true, ...(data === undefined ? {} : { extraEnv: [{ name: 'PGDATA', value: `${data.target}/pgdata` }] }) }
}

export const COMPONENTS: readonly Component[] = [
  {
    file: 'namespace.yaml',
    services: () => false,
    build: (ctx) => {
      const namespace: Namespace = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ctx.model.kubernetes.namespace, labels: standardLabels(ctx.model, ctx.model.project, 'namespace') },
      }
      return [namespace]
    },
  },
  { file: 'network-policies.yaml', services: () => false, build: networkPolicies },
  {
    file: 'postgres.yaml',
    services: named('postgres', 'postgres-init'),
    build: each(postgresOptions),
    comment: (ctx) =>
      ctx.model.services.some((s) => s.name === 'postgres' && s.ports.length > 0)
        ? `postgres.exposePort publishes Postgres on a host port under compose only: on a cluster it stays inside the namespace\n(reach it with \`kubectl port-forward -n ${ctx.model.kubernetes.namespace} statefulset/postgres 5432\`).`
        : undefined,
  },
  { file: 'migrations.yaml', services: () => false, build: migrationsJob },
  {
    file: 'keycloak.yaml',
    services: named('keycloak', 'keycloak-sync'),
    build: each((_ctx, service) => ({ component: service.name === 'keycloak' ? 'auth' : 'auth-sync' })),
  },
  { file: 'postgrest.yaml', services: named('postgrest'), build: each((ctx, service) => ({ component: 'api', ...replicas(ctx, service) })) },
  { file: 'functions.yaml', services: named('functions'), build: each((ctx, service) => ({ component: 'functions', ...replicas(ctx, service) })) },
  { file: 'verifier.yaml', services: named('verifier'), build: each((ctx, service) => ({ component: 'verifier', ...replicas(ctx, service) })) },
  {
    file: 'spark.yaml',
    services: (service) => service.name === 'spark-master' || service.origin === 'worker',
    // The master binds the address `--host spark-master` resolves to in its own pod: the headless Service makes that
    // the pod's own address, published before the pod is ready (it binds while starting).
    build: each((_ctx, service) =>
      service.name === 'spark-master'
        ? { component: 'spark-master', stateful: true, publishNotReady: true }
        : { component: 'spark-worker', reserve: true },
    ),
  },
  { file: 'services.yaml', services: (service) => service.origin === 'service', build: each(() => ({ component: 'service' })) },
  { file: 'traefik.yaml', services: named('traefik'), build: each(() => ({ component: 'proxy' })) },
]
