import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { kustomizeBuild } from '../helpers/kubernetes/kustomize.js'

const small = fileURLToPath(new URL('../fixtures/kubernetes/kustomize-small/', import.meta.url))

// No skip when kubectl is missing: the build throws with how to install it, and the test fails on that message.
describe('kustomizeBuild (kubectl kustomize)', () => {
  it('names the generated Secret with a content hash and rewrites every reference to it', async () => {
    const docs = await kustomizeBuild(small)
    expect(docs.map((d) => `${String(d.kind)}/${String(d.metadata?.namespace)}`)).toEqual(['Secret/small', 'Deployment/small'])
    const secret = docs[0]!
    // kustomize api/hasher: a 10-character hash of the Secret's content, joined with "-".
    expect(secret.metadata?.name).toMatch(/^small-secrets-[a-z0-9]{10}$/)
    expect(Object.keys(secret.data as object)).toEqual(['API_KEY', 'DB_PASSWORD'])
    const name = secret.metadata?.name
    const pod = (docs[1] as any).spec.template.spec
    expect(pod.containers[0].env[0].valueFrom.secretKeyRef.name).toBe(name)
    expect(pod.containers[0].envFrom[0].secretRef.name).toBe(name)
    expect(pod.volumes[0].secret.secretName).toBe(name)
  })

  it('fails, saying how to install it, when kubectl is missing', async () => {
    await expect(kustomizeBuild(small, { kubectl: '/nonexistent/kubectl' })).rejects.toThrow(
      /^`\/nonexistent\/kubectl` was not found, and the Kubernetes manifests are checked with `kubectl kustomize`\. Install kubectl: `apt-get install -y kubectl`.*`bash \.ci\/run` installs it when it is missing\.$/,
    )
  })

  it('fails with kustomize\'s message when the folder does not build', async () => {
    await expect(kustomizeBuild(fileURLToPath(new URL('../fixtures/kubernetes/', import.meta.url)))).rejects.toThrow(/kustomize .* failed \(exit code 1\):\n.*kustomization/s)
  })
})
