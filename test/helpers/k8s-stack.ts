/**
 * A generated stack (helpers/stack.ts) with a Kubernetes output folder in `generated/k8s/`, and a fake kubectl
 * (helpers/fake-kubectl.ts) alone on PATH. The folder is copied from test/fixtures/k8s/<mode>/ (hand-written, for
 * what reads it back), or with `real` it is what `generate --target kubernetes` writes for the stack's config (for
 * `k8s apply`, which refuses output that is not what the config generates now).
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { generate } from '../../src/generate.js'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import type { CliResult } from './cli.js'
import { FIXTURES } from './cli.js'
import { fakeKubectl, type FakeKubectl } from './fake-kubectl.js'
import { stackFixture, type StackFixture } from './stack.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

export const LOCAL_SECRETS = 'POSTGRES_PASSWORD=pw\nPGRST_JWT_SECRET=jwt\n'

export interface K8sFixture {
  readonly stack: StackFixture
  readonly kubectl: FakeKubectl
  /** `<tmp>/generated/k8s` */
  readonly dir: string
  /** Runs the built CLI with only the fake kubectl on PATH; `env` adds FAKE_KUBECTL_* settings. */
  run(args: string[], env?: Record<string, string>): Promise<CliResult>
  writeSecrets(text: string): void
}

export async function k8sFixture(
  options: { mode?: 'generator' | 'existing'; secrets?: string | null; kubectlName?: string; real?: boolean } = {},
): Promise<K8sFixture> {
  const stack = await stackFixture()
  const kubectl = fakeKubectl(options.kubectlName)
  cleanups.push(() => kubectl.remove())
  const dir = join(stack.out, 'k8s')
  const mode = options.mode ?? 'generator'
  const writeSecrets = (text: string) => writeFileSync(join(dir, 'secrets.env'), text)
  if (options.real) {
    const config = JSON.parse(readFileSync(join(stack.dir, 'sparkbaas.config.json'), 'utf8')) as object
    const kubernetes = { namespace: 'demo-ns', ...(mode === 'existing' ? { existingSecret: 'demo-managed' } : {}) }
    stack.writeConfig({ ...config, target: 'kubernetes', kubernetes })
    await generate({ cwd: stack.dir })
    if (options.secrets === null) rmSync(join(dir, 'secrets.env'), { force: true })
    else if (options.secrets !== undefined) writeSecrets(options.secrets)
  } else {
    cpSync(join(FIXTURES, 'k8s', mode), dir, { recursive: true })
    if (mode === 'generator' && options.secrets !== null) writeSecrets(options.secrets ?? LOCAL_SECRETS)
  }
  return {
    stack,
    kubectl,
    dir,
    run: (args, env = {}) => stack.run(args, { PATH: kubectl.bin, ...kubectl.env(env) }),
    writeSecrets,
  }
}
