/**
 * The generated files a compose service bind-mounts (`./traefik`, `./functions`, …) as ConfigMaps, embedded in the
 * manifests: kustomize's default load restrictor refuses files outside the kustomization's folder, and embedding
 * keeps `k8s/` self-contained. A folder's files are packed, in path order, into as few ConfigMaps as fit the API
 * server's limit, and all of them are projected into one volume at the mount point.
 *
 * Kubernetes refuses a ConfigMap whose data is over 1 MiB (kubernetes/kubernetes pkg/apis/core/validation
 * validation.go ValidateConfigMap: `totalSize > core.MaxSecretSize`, 1024 * 1024 bytes); each ConfigMap is kept
 * under {@link CONFIG_MAP_BUDGET} to leave room for its metadata in etcd. Keys must match `[-._a-zA-Z0-9]+`
 * (apimachinery IsConfigMapKey), so files below a subfolder are projected with an `items` path.
 */
import type { ConfigMap, VolumeProjection } from 'kubernetes-types/core/v1.js'
import { SparkbaasError } from '../../errors.js'
import { MIGRATIONS_SCRIPT } from '../../model/jobs.js'
import { byCodePoint } from '../../order.js'
import { objectMeta, shortHash, type KubeContext } from './meta.js'

const hintFor = (path: string): string =>
  path.startsWith('functions/')
    ? 'Make the function smaller (move big dependencies or data out of its bundle), or use target: "compose".'
    : path === `migrations/${MIGRATIONS_SCRIPT}`
      ? 'The migrations Job\'s script names every migration (about 300 bytes and twice the length of its name each), so about 3,000 fit: shorter migration names fit more; `sparkbaas migrate up` on target: "compose" has no such limit.'
      : path.startsWith('migrations/')
        ? 'Split the migration into smaller ones; load bulk data with psql\'s \\copy through `kubectl port-forward` instead.'
        : 'Use target: "compose" for this stack.'

/** Data bytes per ConfigMap (keys and values). */
export const CONFIG_MAP_BUDGET = 1000 * 1024

const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/

/**
 * Text kustomize cannot carry in a ConfigMap's `data`, measured with `kubectl kustomize` (v1.32): DEL, C1 controls
 * and U+FFFE/U+FFFF make it fail ("yaml: control characters are not allowed"), NEL, U+2028 and U+2029 it writes
 * raw into a block scalar, where Go's YAML reads them as line breaks (so the file changes on its way); other C0
 * controls but tab, LF and CR are kept out too. A file holding any of them goes in `binaryData`, base64, which
 * every tool passes through as it is and the volume mounts as the same bytes.
 */
export const KUSTOMIZE_CANNOT_CARRY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufffe\uffff]/

export interface MountedFiles {
  readonly configMaps: ConfigMap[]
  readonly sources: VolumeProjection[]
  /** A hash of every file's path and contents, for the pod template's config-hash annotation. */
  readonly hash: string
}

export interface MountOptions {
  /** Data bytes per ConfigMap. */
  readonly budget?: number
  /**
   * Name the ConfigMaps by their content (`<service>-files-<hash>`) and make them immutable, for a Job: each Job
   * mounts exactly the files it was made with, and a newer apply never changes them under a Job still running.
   */
  readonly byContent?: boolean
}

/**
 * The ConfigMaps of the rendered files below `folder` (a compose bind-mount source such as `./postgres/init`),
 * named `<service>-files`, `<service>-files-2`, … (or by content, see {@link MountOptions.byContent}).
 */
export function mountedFiles(ctx: KubeContext, service: string, component: string, folder: string, options: MountOptions = {}): MountedFiles {
  const budget = options.budget ?? CONFIG_MAP_BUDGET
  const prefix = `${folder.replace(/^\.\//, '')}/`
  const files = [...ctx.files.keys()].filter((path) => path.startsWith(prefix)).sort(byCodePoint)
  if (files.length === 0) throw new Error(`internal: ${service} mounts ${folder}, but no file was rendered there`)
  const chunks: { path: string; key: string; text: string; binary: boolean }[][] = [[]]
  let used = 0
  for (const path of files) {
    const relative = path.slice(prefix.length)
    const key = CONFIG_MAP_KEY.test(relative) ? relative : relative.replace(/[^-._a-zA-Z0-9]/g, '_')
    const text = ctx.files.get(path)!
    const binary = KUSTOMIZE_CANNOT_CARRY.test(text)
    const size = Buffer.byteLength(key) + (binary ? 4 * Math.ceil(Buffer.byteLength(text) / 3) : Buffer.byteLength(text))
    if (size > budget) {
      throw new SparkbaasError(
        'render_failed',
        `${path} is ${Math.ceil(size / 1024)} KiB, more than one Kubernetes ConfigMap holds (${Math.floor(budget / 1024)} KiB of the API server's 1 MiB), so the Kubernetes target cannot mount it into ${service}.`,
        { hint: hintFor(path) },
      )
    }
    if (used + size > budget && chunks.at(-1)!.length > 0) {
      chunks.push([])
      used = 0
    }
    chunks.at(-1)!.push({ path, key, text, binary })
    used += size
  }
  // The layout too (keys, data or binaryData, the split): a ConfigMap named by content must never be given other data.
  const hash = shortHash(JSON.stringify(chunks.map((chunk) => chunk.map((file) => [file.path, file.key, file.binary, file.text]))))
  const base = options.byContent === true ? `${service}-files-${hash}` : `${service}-files`
  const configMaps = chunks.map(
    (chunk, i): ConfigMap => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: objectMeta(ctx, `${base}${i === 0 ? '' : `-${i + 1}`}`, component, { labelName: service }),
      ...(options.byContent === true ? { immutable: true } : {}),
      ...(chunk.some((file) => !file.binary) ? { data: Object.fromEntries(chunk.filter((file) => !file.binary).map((file) => [file.key, file.text])) } : {}),
      ...(chunk.some((file) => file.binary)
        ? { binaryData: Object.fromEntries(chunk.filter((file) => file.binary).map((file) => [file.key, Buffer.from(file.text, 'utf8').toString('base64')])) }
        : {}),
    }),
  )
  const sources = chunks.map(
    (chunk, i): VolumeProjection => ({
      configMap: {
        name: configMaps[i]!.metadata!.name!,
        ...(chunk.every((file) => file.key === file.path.slice(prefix.length))
          ? {}
          : { items: chunk.map((file) => ({ key: file.key, path: file.path.slice(prefix.length) })) }),
      },
    }),
  )
  const keys = new Set<string>()
  for (const file of chunks.flat()) {
    if (keys.has(file.key)) throw new SparkbaasError('render_failed', `internal: two files below ${folder} share the ConfigMap key ${file.key}`)
    keys.add(file.key)
  }
  return { configMaps, sources, hash }
}
