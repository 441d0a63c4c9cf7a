/**
 * `kubectl kustomize <dir>`: the manifests as a cluster would receive them from `kubectl apply -k` (namespace set,
 * generated Secrets named with their content hash and every reference to them rewritten). No cluster is needed.
 * A missing kubectl is an error saying how to install it, never a skipped test: .ci/run installs it.
 */
import { execa } from 'execa'
import { parseDocuments, type KubeDocument } from './documents.js'

export const KUBECTL_INSTALL_HINT =
  'Install kubectl: `apt-get install -y kubectl` where an apt source has it (Kubernetes\' own apt repository, or Google Cloud SDK\'s), ' +
  'or see https://kubernetes.io/docs/tasks/tools/ ; `bash .ci/run` installs it when it is missing.'

export interface KustomizeOptions {
  /** The kubectl to run, `kubectl` on PATH by default. */
  readonly kubectl?: string
}

export async function kustomizeBuild(dir: string, options: KustomizeOptions = {}): Promise<KubeDocument[]> {
  const kubectl = options.kubectl ?? 'kubectl'
  const result = await execa(kubectl, ['kustomize', dir], { reject: false, stdin: 'ignore' })
  if (result.failed) {
    if (result.code === 'ENOENT') throw new Error(`\`${kubectl}\` was not found, and the Kubernetes manifests are checked with \`kubectl kustomize\`. ${KUBECTL_INSTALL_HINT}`)
    throw new Error(`\`${kubectl} kustomize ${dir}\` failed (exit code ${String(result.exitCode)}):\n${result.stderr}`)
  }
  return parseDocuments(result.stdout)
}
