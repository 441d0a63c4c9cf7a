/**
 * `function new` editing the config file: each editor appends exactly the new entries and keeps every other byte,
 * refuses (with a one-line reason) what it cannot edit safely, and `addToConfig` proves the result loads and passes
 * the checks before it replaces the file.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { describe, expect, test } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import { addToConfig } from '../../src/scaffold/edit-config.js'
import { editJson, editYaml } from '../../src/scaffold/edit-data.js'
import { EditRefused, type ListAdditions } from '../../src/scaffold/edit-refused.js'
import { editTs, literal } from '../../src/scaffold/edit-ts.js'
import { functionEntry, functionRoute } from '../../src/scaffold/new-function.js'
import { configTemplate } from '../../src/scaffold/templates.js'
import { tempDir } from './_helpers.js'

const ENTRY = functionEntry('report')
const ROUTE = functionRoute('report')
const BOTH: ListAdditions = { functions: [ENTRY], routes: [ROUTE] }

const ts = (text: string, additions: ListAdditions = BOTH) => editTs(text, additions, { typescript: true })

function refusal(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    if (error instanceof EditRefused) return error.reason
    throw error
  }
  throw new Error('expected a refusal')
}

/**
 * The lines `after` adds to `before`, checking that removing them gives `before` back byte for byte (so nothing
 * else moved, no comment, no blank line, no quote).
 */
function addedLines(before: string, after: string): string[] {
  const a = before.split('\n')
  const b = after.split('\n')
  const added: string[] = []
  let i = 0
  for (const line of b) {
    if (i < a.length && line === a[i]) i++
    else added.push(line)
  }
  expect(i).toBe(a.length)
  return added
}

describe('TypeScript and JavaScript: the new entries inserted, every other byte kept', () => {
  test('comments, odd spacing, mixed quotes and blank lines stay exactly as they were', () => {
    const before = [
      '// top comment',
      "import { defineConfig } from 'sparkbaas'",
      '',
      'const greeting = "hi"   // odd',
      '',
      'export default defineConfig({',
      "  project:   'demo',  // the name",
      '  /* block */ domain: "localhost",',
      '',
      '  functions: [',
      "    { name: 'hello', source: './functions/hello', env: { GREETING: greeting } }, // hello",
      '    // a comment after the last entry stays after it',
      '  ],',
      "  routes: [ { host: 'api', path: '/fn/hello', to: { function: 'hello' } } ],",
      '    postgres: { databases: ["app"] , version:17},',
      '})',
      '',
    ].join('\n')
    const after = ts(before)
    expect(addedLines(before, after.replace(", { host: 'api', path: '/fn/report', to: { function: 'report' }, stripPrefix: true } ]", ' ]'))).toEqual([
      "    { name: 'report', source: './functions/report' },",
    ])
    expect(after).toContain("  routes: [ { host: 'api', path: '/fn/hello', to: { function: 'hello' } }, { host: 'api', path: '/fn/report', to: { function: 'report' }, stripPrefix: true } ],\n")
  })

  test("init's starter config: one line in each list, before its closing bracket, its comments in place", () => {
    const before = configTemplate('demo')
    const after = ts(before)
    expect(addedLines(before, after)).toEqual([
      "    { name: 'report', source: './functions/report' },",
      "    { host: 'api', path: '/fn/report', to: { function: 'report' }, stripPrefix: true },",
    ])
    // The route goes after the routes commented out at the end of the list, right before `],`.
    expect(after).toContain("    // { host: 'mail', to: { service: 'mailpit' }, auth: { realm: 'demo', roles: ['admin'] } },\n    { host: 'api', path: '/fn/report'")
  })

  test('no trailing commas: one is added after the old last entry, none after the new one', () => {
    const before = "export default {\n  project: 'demo',\n  functions: [\n    { name: 'a', source: './a' }\n  ]\n}\n"
    expect(ts(before, { functions: [ENTRY] })).toBe(
      "export default {\n  project: 'demo',\n  functions: [\n    { name: 'a', source: './a' },\n    { name: 'report', source: './functions/report' }\n  ]\n}\n",
    )
  })

  test('a trailing comment on the old last entry stays on its line, after the added comma', () => {
    const before = "export default {\n  functions: [\n    { name: 'a', source: './a' } // A\n  ]\n}\n"
    expect(ts(before, { functions: [ENTRY] })).toBe(
      "export default {\n  functions: [\n    { name: 'a', source: './a' }, // A\n    { name: 'report', source: './functions/report' }\n  ]\n}\n",
    )
  })

  test('tabs and double quotes are followed', () => {
    const before = 'export default defineConfig({\n\tproject: "demo",\n\tfunctions: [\n\t\t{ name: "a", source: "./a" },\n\t],\n})\n'
    expect(ts(before, { functions: [ENTRY] })).toBe(
      'export default defineConfig({\n\tproject: "demo",\n\tfunctions: [\n\t\t{ name: "a", source: "./a" },\n\t\t{ name: "report", source: "./functions/report" },\n\t],\n})\n',
    )
  })

  test('missing lists are added as the last keys: multi-line in a multi-line object, in its comma style', () => {
    expect(ts("export default defineConfig({\n  project: 'demo',\n})\n")).toBe(
      [
        'export default defineConfig({',
        "  project: 'demo',",
        '  functions: [',
        "    { name: 'report', source: './functions/report' },",
        '  ],',
        '  routes: [',
        "    { host: 'api', path: '/fn/report', to: { function: 'report' }, stripPrefix: true },",
        '  ],',
        '})',
        '',
      ].join('\n'),
    )
    expect(ts("export default {\n    project: 'demo'\n}\n", { functions: [ENTRY] })).toBe(
      "export default {\n    project: 'demo',\n    functions: [\n        { name: 'report', source: './functions/report' }\n    ]\n}\n",
    )
  })

  test('one-line objects and lists stay on one line', () => {
    expect(ts("export default { project: 'demo' }\n")).toBe(
      "export default { project: 'demo', functions: [{ name: 'report', source: './functions/report' }], routes: [{ host: 'api', path: '/fn/report', to: { function: 'report' }, stripPrefix: true }] }\n",
    )
    expect(ts("export default { project: 'demo', functions: [], routes: [] }", { functions: [ENTRY] })).toBe(
      "export default { project: 'demo', functions: [{ name: 'report', source: './functions/report' }], routes: [] }",
    )
    expect(ts('export default {}', { functions: [ENTRY] })).toBe("export default { functions: [{ name: 'report', source: './functions/report' }] }")
  })

  test('an empty multi-line list, and a closing bracket on the line of the last entry', () => {
    expect(ts("export default {\n  functions: [\n    // none yet\n  ],\n}\n", { functions: [ENTRY] })).toBe(
      "export default {\n  functions: [\n    // none yet\n    { name: 'report', source: './functions/report' },\n  ],\n}\n",
    )
    expect(ts("export default {\n  functions: [\n    { name: 'a', source: './a' }],\n}\n", { functions: [ENTRY] })).toBe(
      "export default {\n  functions: [\n    { name: 'a', source: './a' },\n    { name: 'report', source: './functions/report' }],\n}\n",
    )
  })

  test('`satisfies`, `as const` and parentheses around the object; CRLF line endings', () => {
    const before = "import type { SparkbaasConfig } from 'sparkbaas'\r\nexport default ({\r\n  project: 'demo',\r\n  functions: [\r\n    { name: 'a', source: './a' },\r\n  ],\r\n} satisfies SparkbaasConfig)\r\n"
    expect(ts(before, { functions: [ENTRY] })).toBe(before.replace("'./a' },\r\n", "'./a' },\r\n    { name: 'report', source: './functions/report' },\r\n"))
    expect(ts("export default { functions: [] } as const", { functions: [ENTRY] })).toBe("export default { functions: [{ name: 'report', source: './functions/report' }] } as const")
  })

  test('a .js config is parsed as JavaScript', () => {
    expect(editTs("export default { functions: [] }\n", { functions: [ENTRY] }, { typescript: false })).toBe(
      "export default { functions: [{ name: 'report', source: './functions/report' }] }\n",
    )
    expect(refusal(() => editTs('export default { functions: [] as X[] }\n', { functions: [ENTRY] }, { typescript: false }))).toMatch(/^it could not be parsed \(/)
  })

  test.each([
    ["export const config = { project: 'demo' }\n", 'it has no `export default`'],
    ["const config = { project: 'demo' }\nexport default config\n", 'its default export is a variable (config), not `defineConfig({ … })` or an object literal'],
    ['export default defineConfig(makeConfig())\n', 'its default export is a function call, not `defineConfig({ … })` or an object literal'],
    ["export default merge({ project: 'demo' })\n", 'its default export is a function call, not `defineConfig({ … })` or an object literal'],
    ['export default [1]\n', 'its default export is a list, not `defineConfig({ … })` or an object literal'],
    ["export default { ...base, project: 'demo' }\n", 'the config object spreads another object into it (`...`)'],
    ["export default { ['functions']: [] }\n", 'the config object has a computed key (`[…]: …`)'],
    ['export default { functions: shared }\n', '`functions` is not a list written out in the file (it is a variable (shared))'],
    ['export default { functions: [...a].concat(b) }\n', '`functions` is not a list written out in the file (it is a function call)'],
    ['export default { functions }\n', '`functions` is a variable (functions), not a list written out in the file'],
    ['export default { get functions() { return [] } }\n', '`functions` is a method or accessor, not a list'],
    ['export default { functions: [], "functions": [] }\n', 'the config object has `functions` twice'],
    ['export default { functions: [a, , b] }\n', '`functions` has an empty slot (`[a, , b]`)'],
    ['export default { functions: () => [] }\n', '`functions` is not a list written out in the file (it is a function)'],
    ['export default { routes: 1 }\n', '`routes` is not a list written out in the file (it is a single value)'],
    ["export default { project: 'demo'\n", expect.stringMatching(/^it could not be parsed \(Unexpected token, expected "," \(2:0\)\)$/)],
  ])('refused: %j', (text, reason) => {
    expect(refusal(() => ts(text))).toEqual(reason)
  })

  test('values are written as literals; hostile strings cannot break out of their quotes', () => {
    const hostile = "a'b\"c\\d\n${x}`e"
    for (const quote of ["'", '"'] as const) {
      const text = literal({ name: hostile, 'odd-key': [1, true] }, quote)
      expect(new Function(`return ${text}`)()).toEqual({ name: hostile, 'odd-key': [1, true] })
    }
    expect(literal(ENTRY, "'")).toBe("{ name: 'report', source: './functions/report' }")
  })
})

describe('JSON: rewritten only when JSON.stringify lays it out the same way', () => {
  test.each([
    ['two spaces', 2],
    ['four spaces', 4],
    ['a tab', '\t'],
    ['none (one line)', 0],
  ] as const)('indented with %s', (_, indent) => {
    const config = { project: 'demo', functions: [{ name: 'a', source: './a' }] }
    const before = `${JSON.stringify(config, null, indent)}\n`
    const after = editJson(before, BOTH)
    expect(after).toBe(`${JSON.stringify({ ...config, functions: [...config.functions, ENTRY], routes: [ROUTE] }, null, indent)}\n`)
    if (indent !== 0) expect(addedLines(before, after).length).toBeGreaterThan(0)
  })

  test('no final newline and CRLF are kept', () => {
    expect(editJson('{"project":"demo"}', { functions: [ENTRY] })).toBe('{"project":"demo","functions":[{"name":"report","source":"./functions/report"}]}')
    const crlf = '{\r\n  "project": "demo"\r\n}\r\n'
    expect(editJson(crlf, { functions: [ENTRY] })).toBe(`${JSON.stringify({ project: 'demo', functions: [ENTRY] }, null, 2).replaceAll('\n', '\r\n')}\r\n`)
  })

  test('package.json: under the "sparkbaas" key, the rest untouched', () => {
    const before = `${JSON.stringify({ name: 'x', scripts: { up: 'sparkbaas up' }, sparkbaas: { project: 'demo' } }, null, 2)}\n`
    const after = JSON.parse(editJson(before, BOTH, ['sparkbaas'])) as unknown
    expect(after).toEqual({ name: 'x', scripts: { up: 'sparkbaas up' }, sparkbaas: { project: 'demo', functions: [ENTRY], routes: [ROUTE] } })
  })

  test.each([
    ['{\n  "project": "demo", "domain": "localhost"\n}\n', 'its layout is not the one JSON.stringify writes, so writing it again would reformat the whole file'],
    ['{\n  "postgres": { "version": 17 }\n}\n', 'its layout is not the one JSON.stringify writes, so writing it again would reformat the whole file'],
    ['{"project":"demo","project":"again"}', 'its layout is not the one JSON.stringify writes, so writing it again would reformat the whole file'],
    ['{"functions":{}}', '`functions` is not a list'],
    ['{"project":', expect.stringMatching(/^it could not be parsed \(/)],
  ])('refused: %j', (text, reason) => {
    expect(refusal(() => editJson(text, BOTH))).toEqual(reason)
  })
})

describe('YAML: the Document API keeps comments; rewritten only when it would lay the file out the same way', () => {
  test('comments, blank lines, quotes and flow lists are kept', () => {
    const before = [
      '# the stack',
      'project: demo # its name',
      '',
      'functions:',
      '  # hello first',
      '  - name: hello',
      "    source: './functions/hello'",
      'routes: [ { host: api, path: /fn/hello, to: { function: hello } } ]',
      '',
    ].join('\n')
    const after = editYaml(before, BOTH)
    expect(parseYaml(after)).toEqual({
      project: 'demo',
      functions: [{ name: 'hello', source: './functions/hello' }, ENTRY],
      routes: [{ host: 'api', path: '/fn/hello', to: { function: 'hello' } }, ROUTE],
    })
    expect(addedLines(before.replace(/^routes:.*$/m, ''), after.replace(/^routes:.*$/m, ''))).toEqual(['  - name: report', '    source: ./functions/report'])
    expect(after).toContain('# the stack\nproject: demo # its name\n\nfunctions:\n  # hello first\n')
  })

  test('sequences not indented under their key stay so; missing lists are added at the end', () => {
    const before = 'project: demo\nfunctions:\n- name: a\n  source: ./a\n'
    expect(editYaml(before, BOTH)).toBe(
      'project: demo\nfunctions:\n- name: a\n  source: ./a\n- name: report\n  source: ./functions/report\nroutes:\n- host: api\n  path: /fn/report\n  to:\n    function: report\n  stripPrefix: true\n',
    )
  })

  test.each([
    ['project:   demo\n', 'the yaml package would lay it out differently, so writing it again would reformat more than the new entries'],
    ['functions: {}\n', '`functions` is not a list'],
    ['project: [\n', expect.stringMatching(/^it could not be parsed \(/)],
  ])('refused: %j', (text, reason) => {
    expect(refusal(() => editYaml(text, BOTH))).toEqual(reason)
  })
})

describe('addToConfig: proved, then written in one step', () => {
  function projectWith(file: string, text: string): { dir: string; file: string } {
    const dir = tempDir()
    writeFileSync(path.join(dir, file), text)
    mkdirSync(path.join(dir, 'functions/report'), { recursive: true })
    writeFileSync(path.join(dir, 'functions/report/index.ts'), 'export default () => ({})\n')
    return { dir, file: path.join(dir, file) }
  }

  test('a .ts config: edited in place, its file mode kept, no temp file left, and it loads with the entries', async () => {
    const { dir, file } = projectWith('sparkbaas.config.ts', "export default {\n  project: 'demo',\n}\n")
    chmodSync(file, 0o640)
    expect(await addToConfig(await loadConfig({ cwd: dir }), BOTH)).toEqual({ edited: true })
    expect((await loadConfig({ cwd: dir })).config).toEqual({ project: 'demo', functions: [ENTRY], routes: [ROUTE] })
    expect(lstatSync(file).mode & 0o777).toBe(0o640)
    expect(readdirSync(dir).sort()).toEqual(['functions', 'sparkbaas.config.ts'])
  })

  test('a YAML and a package.json config', async () => {
    const yaml = projectWith('sparkbaas.config.yaml', 'project: demo\n')
    expect(await addToConfig(await loadConfig({ cwd: yaml.dir }), BOTH)).toEqual({ edited: true })
    expect((await loadConfig({ cwd: yaml.dir })).config).toEqual({ project: 'demo', functions: [ENTRY], routes: [ROUTE] })
    const pkg = projectWith('package.json', `${JSON.stringify({ name: 'x', sparkbaas: { project: 'demo' } }, null, 2)}\n`)
    expect(await addToConfig(await loadConfig({ cwd: pkg.dir }), { functions: [ENTRY] })).toEqual({ edited: true })
    expect(JSON.parse(readFileSync(pkg.file, 'utf8'))).toEqual({ name: 'x', sparkbaas: { project: 'demo', functions: [ENTRY] } })
  })

  test('refused by an editor: the file is untouched, the reason returned', async () => {
    const text = 'const c = { project: "demo" }\nexport default c\n'
    const { dir, file } = projectWith('sparkbaas.config.ts', text)
    expect(await addToConfig(await loadConfig({ cwd: dir }), BOTH)).toEqual({
      edited: false,
      reason: 'its default export is a variable (c), not `defineConfig({ … })` or an object literal',
    })
    expect(readFileSync(file, 'utf8')).toBe(text)
  })

  test('the edited file does not load to the old config plus the entries (a value that changes on each load): refused', async () => {
    const text = "export default {\n  project: 'demo',\n  domain: `d${Math.random()}.test`,\n}\n"
    const { dir, file } = projectWith('sparkbaas.config.ts', text)
    expect(await addToConfig(await loadConfig({ cwd: dir }), BOTH)).toEqual({ edited: false, reason: 'the edited file did not load to the config plus the new entries' })
    expect(readFileSync(file, 'utf8')).toBe(text)
    expect(readdirSync(dir).sort()).toEqual(['functions', 'sparkbaas.config.ts'])
  })

  test('the edit would add a problem (the route is taken by another function): refused with that problem', async () => {
    const config = {
      project: 'demo',
      functions: [{ name: 'other', source: './functions/report' }],
      routes: [{ host: 'api', path: '/fn/report', to: { function: 'other' } }],
    }
    const { dir, file } = projectWith('sparkbaas.config.json', `${JSON.stringify(config, null, 2)}\n`)
    const outcome = await addToConfig(await loadConfig({ cwd: dir }), BOTH)
    expect(outcome.edited).toBe(false)
    expect(outcome).toMatchObject({ reason: expect.stringMatching(/^the edited config would not pass the checks \(routes\[1\]: .*\)$/) })
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(config)
  })

  test('problems the config had before do not stop the edit', async () => {
    const { dir } = projectWith('sparkbaas.config.json', '{"project":"Not Valid"}')
    expect(await addToConfig(await loadConfig({ cwd: dir }), BOTH)).toEqual({ edited: true })
  })

  test('a symbolic link is not replaced by a file', async () => {
    const { dir } = projectWith('real.json', '{"project":"demo"}')
    symlinkSync(path.join(dir, 'real.json'), path.join(dir, 'sparkbaas.config.json'))
    expect(await addToConfig(await loadConfig({ cwd: dir }), BOTH)).toEqual({ edited: false, reason: 'it is a symbolic link' })
    expect(lstatSync(path.join(dir, 'sparkbaas.config.json')).isSymbolicLink()).toBe(true)
  })
})
