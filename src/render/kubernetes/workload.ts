/**
 * One compose service as Kubernetes objects, generically: the ConfigMaps of the folders it mounts, the claims of
 * its named volumes, a Service for the ports it listens on, and its workload:
 * - a one-shot job (`oneShot`) → a Job named `<service>-<hash of its pod template>`: a changed job is a new Job,
 *   which runs; an unchanged one is the same object, which `kubectl apply` leaves alone (a Job's template cannot be
 *   changed in place anyway). Kubernetes has no `depends_on`: the Job retries until what it needs answers.
 * - `stateful` → a StatefulSet (stable identity, its volumes from volumeClaimTemplates) behind a headless Service;
 * - otherwise a Deployment; one that mounts a claim is recreated rather than rolled (the claim is ReadWriteOnce).
 */
import type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js'
import type { Job } from 'kubernetes-types/batch/v1.js'
import type { Container, EnvVar, PersistentVolumeClaim, PersistentVolumeClaimSpec, PodTemplateSpec, Service, ServicePort, Volume, VolumeMount } from 'kubernetes-types/core/v1.js'
import { SparkbaasError } from '../../errors.js'
import type { ServiceModel } from '../../model/types.js'
import { codeUnitName } from '../escape.js'
import { containerArgs, containerEnv } from './env.js'
import { KUSTOMIZE_CANNOT_CARRY, mountedFiles } from './files.js'
import { CONFIG_HASH_ANNOTATION, networkLabel, objectMeta, selectorLabels, shortHash, stableJson, standardLabels, type KubeContext } from './meta.js'
import { probes, resourceRequirements, securityContext } from './resources.js'
import type { KubeObject } from './serialize.js'

export interface WorkloadOptions {
  /** `app.kubernetes.io/component`. */
  readonly component: string
  readonly stateful?: boolean
  /** Pods of a Deployment; default the model's `replicas`, else 1. */
  readonly replicas?: number
  /** Requests equal to limits (Spark workers). */
  readonly reserve?: boolean
  /** Variables appended after the model's (written as they are: no `.env` references). */
  readonly extraEnv?: readonly EnvVar[]
  /** A StatefulSet's Service also lists pods that are not ready (the Spark master must resolve its own name to bind it). */
  readonly publishNotReady?: boolean
  /** A Job's generated files in ConfigMaps named by content and immutable (files.ts, MountOptions.byContent). */
  readonly filesByContent?: boolean
}

/**
 * Retries of a Job before it counts as failed. Each run is a pod of its own (`restartPolicy: Never`), kept with its
 * log; the Job controller waits 10 s before the first retry, doubling up to 10 min (kubernetes/kubernetes
 * pkg/controller/job/job_controller.go: DefaultJobPodFailureBackOff, MaxJobPodFailureBackOff), so 8 retries span
 * about 30 minutes: long enough for Postgres to come up on a fresh cluster, short enough that a broken migration
 * fails within the half hour, leaving at most 9 pods.
 */
export const JOB_BACKOFF_LIMIT = 8

export function workload(ctx: KubeContext, service: ServiceModel, options: WorkloadOptions): KubeObject[] {
  const { model } = ctx
  const objects: KubeObject[] = []
  const volumes: Volume[] = []
  const mounts: VolumeMount[] = []
  const claims: PersistentVolumeClaim[] = []
  const hashes: string[] = []
  for (const volume of service.volumes) {
    if (volume.source.startsWith('./')) {
      if (volumes.some((v) => v.name === 'files')) throw new Error(`internal: ${service.name} mounts more than one generated folder`)
      const files = mountedFiles(ctx, service.name, options.component, volume.source, { byContent: options.filesByContent === true })
      objects.push(...files.configMaps)
      hashes.push(files.hash)
      volumes.push({ name: 'files', projected: { sources: files.sources } })
      mounts.push({ name: 'files', mountPath: volume.target, readOnly: true })
    } else {
      claims.push(claim(ctx, service, volume.source, options.component))
      mounts.push({ name: volume.source, mountPath: volume.target, ...(volume.readOnly ? { readOnly: true } : {}) })
      if (!options.stateful) volumes.push({ name: volume.source, persistentVolumeClaim: { claimName: volume.source } })
    }
  }
  const args = containerArgs(service)
  const env = [...containerEnv(service, model.kubernetes.secret.name), ...(options.extraEnv ?? [])]
  for (const entry of env) if (entry.value !== undefined) refuseUncarried(service.name, `the environment variable ${entry.name}`, entry.value)
  for (const [i, arg] of (args ?? []).entries()) refuseUncarried(service.name, `word ${i + 1} of its command`, arg)
  const security = securityContext(service)
  const container: Container = {
    name: service.name,
    image: service.image,
    ...(args === undefined ? {} : { args }),
    env,
    ...(service.listens.length > 0 ? { ports: service.listens.map((port) => ({ containerPort: port, protocol: 'TCP' })) } : {}),
    ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
    resources: resourceRequirements(service.limits, options.reserve === true),
    ...(security === undefined ? {} : { securityContext: security }),
    ...(service.healthcheck === undefined || service.oneShot ? {} : probes(service.healthcheck)),
  }
  if (container.env!.length === 0) delete container.env
  const template: PodTemplateSpec = {
    metadata: {
      labels: {
        ...standardLabels(model, service.name, options.component),
        ...Object.fromEntries(service.networks.map((network) => [networkLabel(network), 'true'])),
      },
      // Prefixed: a bare hash such as 976e060438 reads as a number (here, Infinity) to a YAML reader of kustomize's
      // output, which writes it unquoted because Go's reader keeps it a string.
      ...(hashes.length > 0 ? { annotations: { [CONFIG_HASH_ANNOTATION]: `sha256-${hashes.join('-')}` } } : {}),
    },
    spec: {
      // No <SERVICE>_PORT=tcp://… variables for every Service in the namespace: Spark reads SPARK_MASTER_PORT, and
      // the other images might read such a name too. Nothing here calls the Kubernetes API, so no token is mounted.
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      ...(service.oneShot ? { restartPolicy: 'Never' } : {}),
      containers: [container],
      ...(volumes.length > 0 ? { volumes } : {}),
    },
  }

  if (service.oneShot) {
    const job: Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: objectMeta(ctx, `${service.name}-${shortHash(stableJson(template))}`, options.component, { labelName: service.name }),
      spec: { backoffLimit: JOB_BACKOFF_LIMIT, template },
    }
    return [...objects, job]
  }

  const svc = serviceFor(ctx, service, options)
  if (svc !== undefined) objects.push(svc)
  const selector = { matchLabels: selectorLabels(model, service.name) }
  if (options.stateful) {
    const set: StatefulSet = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: objectMeta(ctx, service.name, options.component),
      spec: {
        serviceName: service.name,
        replicas: 1,
        selector,
        template,
        ...(claims.length > 0 ? { volumeClaimTemplates: claims.map((c) => ({ metadata: { name: c.metadata!.name!, labels: c.metadata!.labels! }, spec: c.spec! })) } : {}),
      },
    }
    return [...objects, set]
  }
  const deployment: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: objectMeta(ctx, service.name, options.component),
    spec: {
      replicas: claims.length > 0 ? 1 : (options.replicas ?? service.replicas ?? 1),
      selector,
      ...(claims.length > 0 ? { strategy: { type: 'Recreate' } } : {}),
      template,
    },
  }
  return [...claims, ...objects, deployment]
}

/** Postgres's claim has the size and class of `kubernetes.storage`; any other (Traefik's ACME store) 1 GiB of that class. */
function claim(ctx: KubeContext, service: ServiceModel, name: string, component: string): PersistentVolumeClaim {
  const { storage } = ctx.model.kubernetes
  const spec: PersistentVolumeClaimSpec = {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: service.name === 'postgres' ? storage.size : '1Gi' } },
    ...(storage.className === undefined ? {} : { storageClassName: storage.className }),
  }
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: objectMeta(ctx, name, component, { labelName: service.name }), spec }
}

/**
 * The Service named like the compose service, so the names other services use (`postgres:5432`, `http://keycloak:8080`,
 * dynamic.yml's targets) resolve in the namespace. Ports published on fixed host ports (Traefik's web ports) make
 * it a LoadBalancer on those ports; a host port taken from `.env` (Postgres's `exposePort`) is not published on a
 * cluster. A StatefulSet's Service is headless: its name resolves to the pod itself.
 */
function serviceFor(ctx: KubeContext, service: ServiceModel, options: WorkloadOptions): Service | undefined {
  const published = service.ports.flatMap((p) => ('port' in p.host ? [{ port: p.host.port, target: p.container }] : []))
  const ports: ServicePort[] =
    published.length > 0
      ? published.map(({ port, target }) => ({ name: `tcp-${port}`, port, targetPort: target, protocol: 'TCP' }))
      : service.listens.map((port) => ({ name: `tcp-${port}`, port, targetPort: port, protocol: 'TCP' }))
  if (ports.length === 0) return undefined
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(ctx, service.name, options.component),
    spec: {
      ...(published.length > 0 ? { type: 'LoadBalancer' } : options.stateful ? { clusterIP: 'None' } : { type: 'ClusterIP' }),
      ...(options.publishNotReady ? { publishNotReadyAddresses: true } : {}),
      selector: selectorLabels(ctx.model, service.name),
      ports,
    },
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * A value in a pod template goes through kustomize, which writes it again as YAML: a character of
 * KUSTOMIZE_CANNOT_CARRY (files.ts) makes it fail or turns into a line break there, and a lone surrogate cannot be
 * written at all. A file can move to binaryData; an environment value or a command word cannot, so it is refused.
 */
function refuseUncarried(service: string, what: string, value: string): void {
  const bad = KUSTOMIZE_CANNOT_CARRY.exec(value) ?? LONE_SURROGATE.exec(value)
  if (bad === null) return
  throw new SparkbaasError('render_failed', `Service ${service}: ${what} holds ${codeUnitName(bad[0])}, which \`kubectl apply -k\` cannot carry (kustomize refuses it or reads it as a line break).`, {
    hint: 'Remove that character from the value, or use target: "compose".',
  })
}
