/**
 * The generic mapping of the Kubernetes renderer (src/render/kubernetes/): environment values and commands through
 * Kubernetes' `$(VAR)` expansion, hostile names and values, ConfigMap splitting, Jobs named by content, the Secret's
 * keys, determinism. Whole outputs are golden files in test/golden/kubernetes/ (test/generate/kubernetes.test.ts).
 */
import fc from 'fast-check'
import { parseAllDocuments } from 'yaml'
import { describe, expect, test } from 'vitest'
import type { ConfigInput } from '../../../src/config/schema.js'
import type { StackModel } from '../../../src/model/types.js'
import { renderAll } from '../../../src/render/index.js'
import { containerArgs, containerEnv, escapeExpansion, splitCommand } from '../../../src/render/kubernetes/env.js'
import { mountedFiles } from '../../../src/render/kubernetes/files.js'
import { kubernetesSecretKeys, renderKubernetes } from '../../../src/render/kubernetes/index.js'
import type { RenderedFile } from '../../../src/render/types.js'
import { example, modelOf, postgresOnly } from '../_fixtures.js'

/**
 * Kubernetes' expansion of `$(NAME)` in env values, command and args, written from its definition
 * (kubernetes/kubernetes third_party/forked/golang/expansion/expand.go): `$$` is one `$`; `$(NAME)` is NAME's value
 * when NAME is defined earlier, else left as written; any other `$` is itself.
 */
function expand(input: string, vars: ReadonlyMap<string, string>): string {
  let out = ''
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!
    if (c !== '$' || i + 1 >= input.length) {
      out += c
      continue
    }
    const next = input[i + 1]!
    if (next === '$') {
      out += '$'
      i += 1
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2)
      if (close === -1) {
        out += '$('
        i += 1
      } else {
        const name = input.slice(i + 2, close)
        out += vars.get(name) ?? `$(${name})`
        i = close
      }
    } else {
      out += c + next
      i += 1
    }
  }
  return out
}

/** The container's environment as the kubelet builds it: in order, each value expanded with the ones before it. */
function kubeletEnv(env: ReturnType<typeof containerEnv>, secret: Readonly<Record<string, string>>): Map<string, string> {
  const vars = new Map<string, string>()
  for (const v of env) vars.set(v.name, v.valueFrom?.secretKeyRef ? secret[v.valueFrom.secretKeyRef.key]! : expand(v.value ?? '', vars))
  return vars
}

const HOSTILE = ['$(PGPASSWORD)', '$$(X)', '${HOME}', '$', '$$', 'a$', '$(', "it's \"quoted\"", 'line\nbreak', '`id`', 'ünï©ødé \u2028 \u{1F600}', '#: - [x] {y}', '']

describe('environment values', () => {
  test('literal text comes out of the expansion exactly as written, whatever it holds', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom(...HOSTILE), fc.stringMatching(/^[$()a-z]*$/)), (text) => {
        expect(expand(escapeExpansion(text), new Map([['PGPASSWORD', 'leak'], ['X', 'leak']]))).toBe(text)
      }),
    )
  })

  test('a value of text and .env references is the text with the Secret values in place, and a Secret value is never expanded', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.record({ text: fc.oneof(fc.string(), fc.constantFrom(...HOSTILE)) }), fc.record({ ref: fc.constantFrom('PW', 'KEY_2') })), { maxLength: 6 }), fc.constantFrom(...HOSTILE), (value, secretValue) => {
        const env = containerEnv({ name: 'svc', environment: [{ key: 'URL', value }, { key: 'PLAIN', value: [{ text: '$(URL)' }] }] }, 'acme-secrets')
        const secret = { PW: secretValue, KEY_2: `${secretValue}$(PW)` }
        const vars = kubeletEnv(env, secret)
        expect(vars.get('URL')).toBe(value.map((part) => ('ref' in part ? secret[part.ref as 'PW' | 'KEY_2'] : part.text)).join(''))
        expect(vars.get('PLAIN')).toBe('$(URL)')
      }),
    )
  })

  test('a value that is one reference reads the Secret directly; helpers come first, named after the key', () => {
    const env = containerEnv(
      { name: 'svc', environment: [{ key: 'A', value: [{ ref: 'PW' }] }, { key: 'B', value: [{ text: 'u:' }, { ref: 'PW' }, { text: '@h' }] }] },
      'acme-secrets',
    )
    expect(env).toEqual([
      { name: 'SPARKBAAS_REF_PW', valueFrom: { secretKeyRef: { name: 'acme-secrets', key: 'PW' } } },
      { name: 'A', valueFrom: { secretKeyRef: { name: 'acme-secrets', key: 'PW' } } },
      { name: 'B', value: 'u:$(SPARKBAAS_REF_PW)@h' },
    ])
  })

  test('a variable of the service that has a helper\'s name is refused, not overwritten', () => {
    const service = { name: 'svc', environment: [{ key: 'B', value: [{ text: 'x' }, { ref: 'PW' }] }, { key: 'SPARKBAAS_REF_PW', value: [{ text: 'mine' }] }] }
    expect(() => containerEnv(service, 's')).toThrow('svc: the variable SPARKBAAS_REF_PW is the service\'s own and the name of the helper that carries .env key PW.')
  })
})

describe('commands', () => {
  test('args are escaped for the expansion, so a shell script keeps its $(…)', () => {
    const args = containerArgs({ name: 's', command: ['sh', '-c', 'echo "$(basename "$f")" $HOME $$'] })!
    expect(args.map((arg) => expand(arg, new Map([['basename "$f"', 'leak']])))).toEqual(['sh', '-c', 'echo "$(basename "$f")" $HOME $$'])
  })

  test('a string command is split as compose splits it, without a shell', () => {
    expect(splitCommand(`redis-server --save "" --requirepass 'a b$c' x\\ y "q\\"uote"`, 'cache')).toEqual(['redis-server', '--save', '', '--requirepass', 'a b$c', 'x y', 'q"uote'])
    expect(() => splitCommand('echo "unclosed', 'cache')).toThrow('services.cache.command: a double quote is not closed.')
    expect(() => splitCommand("echo 'unclosed", 'cache')).toThrow('services.cache.command: a single quote is not closed.')
  })
})

/** The Kubernetes files of a config, rendered in memory (each function bundled as a one-line stand-in). */
function kube(config: ConfigInput, edit: (files: RenderedFile[]) => RenderedFile[] = (f) => f): Map<string, string> {
  const model: StackModel = { ...modelOf(config), target: 'compose' }
  const mounted = renderAll(model, { functionBundles: new Map(model.functions.map((fn) => [fn.name, `export default () => ${JSON.stringify(fn.name)}\n`])) })
  return new Map(renderKubernetes({ ...model, target: 'kubernetes' }, edit(mounted.filter((f) => f.path !== 'docker-compose.yml'))).map((f) => [f.path, f.contents]))
}

const objects = (text: string) => parseAllDocuments(text).flatMap((doc) => (Array.isArray(doc) ? doc : [doc])).map((doc) => doc.toJS() as Record<string, any>)
const jobNames = (files: Map<string, string>, file: string) => objects(files.get(file)!).filter((o) => o.kind === 'Job').map((o) => o.metadata.name as string)

describe('Jobs', () => {
  test('are named by what they run: a changed init SQL renames postgres-init, and nothing else', () => {
    const before = kube(example)
    const after = kube(example, (files) => files.map((f) => (f.path === 'postgres/init/00-roles.sql' ? { ...f, contents: `${f.contents}-- changed\n` } : f)))
    expect(jobNames(before, 'k8s/postgres.yaml')).toHaveLength(1)
    expect(jobNames(after, 'k8s/postgres.yaml')).not.toEqual(jobNames(before, 'k8s/postgres.yaml'))
    expect(jobNames(after, 'k8s/keycloak.yaml')).toEqual(jobNames(before, 'k8s/keycloak.yaml'))
    expect(jobNames(kube(example), 'k8s/postgres.yaml')).toEqual(jobNames(before, 'k8s/postgres.yaml'))
    expect(jobNames(before, 'k8s/postgres.yaml')[0]).toMatch(/^postgres-init-[0-9a-f]{10}$/)
  })

  test('a changed realm renames keycloak-sync and rolls nothing that does not mount it', () => {
    const before = kube(example)
    const after = kube(example, (files) => files.map((f) => (f.path === 'keycloak/acme-realm.json' ? { ...f, contents: f.contents.replace('Acme Corp', 'Acme Inc') } : f)))
    expect(jobNames(after, 'k8s/keycloak.yaml')).not.toEqual(jobNames(before, 'k8s/keycloak.yaml'))
    expect(after.get('k8s/postgres.yaml')).toBe(before.get('k8s/postgres.yaml'))
    expect(after.get('k8s/traefik.yaml')).toBe(before.get('k8s/traefik.yaml'))
  })
})

describe('mounted files', () => {
  const ctx = (files: Record<string, string>) => ({ model: modelOf(postgresOnly), files: new Map(Object.entries(files)), migrations: [] })

  test('are packed into ConfigMaps under the budget, in path order, every file once, all projected into the one volume', () => {
    const files = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`functions/fn${String(i).padStart(2, '0')}.mjs`, 'x'.repeat(100 + i)]))
    const mounted = mountedFiles(ctx({ ...files, 'other/a.txt': 'not mine' }), 'functions', 'functions', './functions', { budget: 1000 })
    expect(mounted.configMaps.length).toBeGreaterThan(5)
    for (const map of mounted.configMaps) {
      const size = Object.entries(map.data!).reduce((sum, [k, v]) => sum + k.length + v.length, 0)
      expect(size).toBeLessThanOrEqual(1000)
    }
    expect(mounted.configMaps.flatMap((map) => Object.keys(map.data!))).toEqual(Object.keys(files).map((p) => p.slice('functions/'.length)))
    expect(mounted.configMaps.map((m) => m.metadata!.name)).toEqual(mounted.configMaps.map((_, i) => (i === 0 ? 'functions-files' : `functions-files-${i + 1}`)))
    expect(mounted.sources.map((s) => s.configMap!.name)).toEqual(mounted.configMaps.map((m) => m.metadata!.name))
  })

  test('a file below a subfolder keeps its path through items; the hash follows every byte', () => {
    const mounted = mountedFiles(ctx({ 'app/sub/x.json': '{}', 'app/y.json': '[]' }), 'web', 'service', './app')
    expect(mounted.sources[0]!.configMap!.items).toEqual([
      { key: 'sub_x.json', path: 'sub/x.json' },
      { key: 'y.json', path: 'y.json' },
    ])
    expect(mountedFiles(ctx({ 'app/sub/x.json': '{ }', 'app/y.json': '[]' }), 'web', 'service', './app').hash).not.toBe(mounted.hash)
  })

  test('a file bigger than a ConfigMap holds is refused, naming it and what to do', () => {
    expect(() => mountedFiles(ctx({ 'functions/big.mjs': 'x'.repeat(2048) }), 'functions', 'functions', './functions', { budget: 1024 })).toThrow(
      'functions/big.mjs is 3 KiB, more than one Kubernetes ConfigMap holds (1 KiB of the API server\'s 1 MiB), so the Kubernetes target cannot mount it into functions.',
    )
  })

  test('2,000 functions fit ConfigMaps of at most 1 MiB each', () => {
    const many: Record<string, string> = {}
    for (let i = 0; i < 2000; i++) many[`functions/f${i}.mjs`] = `export default () => ${i}\n`.padEnd(2000, '/')
    const mounted = mountedFiles(ctx(many), 'functions', 'functions', './functions')
    expect(mounted.configMaps.length).toBe(4)
    for (const map of mounted.configMaps) expect(Buffer.byteLength(JSON.stringify(map.data))).toBeLessThan(1024 * 1024)
  })
})

describe('hostile names and values', () => {
  const evil: ConfigInput = {
    ...postgresOnly,
    target: 'kubernetes',
    services: {
      evil: {
        image: 'example/evil:1',
        port: 8080,
        // U+2028 and other characters kustomize cannot carry are refused (test/generate/kubernetes.test.ts).
        env: { A: '$(POSTGRES_PASSWORD)', B: `it's "q" \`id\` \${HOME} $$ ü\u00a0\ufeff #x\n- y: z`, C: { secret: 'EVIL_TOKEN' } },
        command: ['sh', '-c', 'echo $(cat /etc/passwd) "$HOME"'],
      },
    },
  }

  test('reach the container exactly as written, and nothing else reads a Secret', () => {
    const files = kube(evil)
    const deployment = objects(files.get('k8s/services.yaml')!).find((o) => o.kind === 'Deployment')!
    const container = deployment.spec.template.spec.containers[0]
    const vars = kubeletEnv(container.env, { EVIL_TOKEN: 'tok$(A)en' })
    expect(Object.fromEntries(vars)).toEqual({ A: '$(POSTGRES_PASSWORD)', B: `it's "q" \`id\` \${HOME} $$ ü\u00a0\ufeff #x\n- y: z`, C: 'tok$(A)en' })
    expect((container.args as string[]).map((a) => expand(a, vars))).toEqual(['sh', '-c', 'echo $(cat /etc/passwd) "$HOME"'])
  })

  test('the Secret holds exactly the keys the manifests read, in .env order', () => {
    const model = modelOf(evil)
    expect(kubernetesSecretKeys(model)).toEqual(['POSTGRES_PASSWORD', 'EVIL_TOKEN'])
    expect(kube(evil).get('k8s/secrets.env.example')).toMatch(/\nPOSTGRES_PASSWORD=\n[^]*\nEVIL_TOKEN=\n$/)
  })

  test('the same model renders the same bytes', () => {
    expect([...kube(example)]).toEqual([...kube(example)])
  })
})
