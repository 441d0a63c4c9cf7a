/**
 * What Keycloak 26's importer accepts, from the types of `@keycloak/keycloak-admin-client` (pinned to the image's
 * 26.4): a compile-time type for realm files, and, read from the same `.d.ts` files at run time, the field names
 * allowed at each level of the file.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type ComponentExportRepresentation from '@keycloak/keycloak-admin-client/lib/defs/componentExportRepresentation.js'
import type RealmRepresentation from '@keycloak/keycloak-admin-client/lib/defs/realmRepresentation.js'

/**
 * The admin client types `components` as `{ [type]: ComponentExport }` with `config: { [k]: string }`; the import
 * format (Java `MultivaluedHashMap`) is a list per provider type and a list of strings per config key. Java's
 * ComponentExportRepresentation has no `subType` either.
 */
export interface ComponentExport extends Omit<ComponentExportRepresentation, 'config' | 'subComponents' | 'subType'> {
  subComponents?: Record<string, ComponentExport[]>
  config?: Record<string, string[]>
}

export type ImportedRealm = Omit<RealmRepresentation, 'components'> & { components?: Record<string, ComponentExport[]> }

const DEFS = join(dirname(createRequire(import.meta.url).resolve('@keycloak/keycloak-admin-client/package.json')), 'lib/defs')

/** The property names of the default-exported interface of `lib/defs/<file>.d.ts` (its top level only). */
export function fieldsOf(file: string): Set<string> {
  const text = readFileSync(join(DEFS, `${file}.d.ts`), 'utf8')
  const start = text.search(/export default interface \w+ \{/)
  if (start === -1) throw new Error(`no default interface in ${file}.d.ts`)
  const fields = new Set<string>()
  let depth = 0
  for (const line of text.slice(start).split('\n')) {
    if (depth === 1) {
      const m = /^\s*["']?([A-Za-z_$][\w$.-]*)["']?\??\s*:/.exec(line)
      if (m) fields.add(m[1]!)
    }
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length
    if (depth === 0) break
  }
  if (fields.size === 0) throw new Error(`no fields read from ${file}.d.ts`)
  return fields
}

/** Allowed keys per level of a realm import file. Map-valued fields (attributes, config, …) hold data, not fields. */
export const ALLOWED = {
  realm: fieldsOf('realmRepresentation'),
  roles: fieldsOf('rolesRepresentation'),
  role: fieldsOf('roleRepresentation'),
  client: fieldsOf('clientRepresentation'),
  mapper: fieldsOf('protocolMapperRepresentation'),
  user: fieldsOf('userRepresentation'),
  credential: fieldsOf('credentialRepresentation'),
  // Java's ComponentExportRepresentation: id, name, providerId, subComponents, config (no subType).
  component: new Set([...fieldsOf('componentExportRepresentation')].filter((f) => f !== 'subType')),
}

type Obj = Record<string, unknown>
const objects = (value: unknown): Obj[] => (Array.isArray(value) ? (value as Obj[]) : [])

/** Every `path: key` in a parsed realm file that no representation class has. */
export function unknownFields(realm: Obj): string[] {
  const bad: string[] = []
  const check = (obj: Obj, allowed: Set<string>, path: string) => {
    for (const key of Object.keys(obj)) if (!allowed.has(key)) bad.push(`${path}: ${key}`)
  }
  check(realm, ALLOWED.realm, 'realm')
  const roles = (realm.roles ?? {}) as Obj
  check(roles, ALLOWED.roles, 'roles')
  for (const role of objects(roles.realm)) check(role, ALLOWED.role, 'roles.realm[]')
  for (const client of objects(realm.clients)) {
    check(client, ALLOWED.client, 'clients[]')
    for (const mapper of objects(client.protocolMappers)) check(mapper, ALLOWED.mapper, 'clients[].protocolMappers[]')
  }
  for (const user of objects(realm.users)) {
    check(user, ALLOWED.user, 'users[]')
    for (const credential of objects(user.credentials)) check(credential, ALLOWED.credential, 'users[].credentials[]')
  }
  const walkComponents = (byType: unknown, path: string) => {
    for (const [type, list] of Object.entries((byType ?? {}) as Obj)) {
      for (const component of objects(list)) {
        check(component, ALLOWED.component, `${path}.${type}[]`)
        walkComponents(component.subComponents, `${path}.${type}[].subComponents`)
      }
    }
  }
  walkComponents(realm.components, 'components')
  return bad
}
