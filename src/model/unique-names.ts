/**
 * One namespace of generated names (Traefik's routers, or its middlewares), unique by construction.
 *
 * Each entry is keyed by what it does, not by its name: asking again for the same key returns the same name (one
 * `auth-main-admin` shared by every route needing that realm and role), while a different key whose readable base
 * name is already taken gets the base with the first free `-2`, `-3`, … appended. Readable names are built by
 * joining user-chosen parts with "-", which is not injective (realm `acme` + role `admin` and realm `acme-admin`
 * both read `auth-acme-admin`); the numbering, not the readable part, is what keeps them apart.
 */
export class UniqueNames<T> {
  private readonly byKey = new Map<string, string>()
  private readonly entries = new Map<string, T>()

  /** The name for `key`; on first use, `make(name)` builds the entry stored under it. */
  claim(key: string, base: string, make: (name: string) => T): string {
    const known = this.byKey.get(key)
    if (known !== undefined) return known
    let name = base
    for (let n = 2; this.entries.has(name); n++) name = `${base}-${n}`
    this.byKey.set(key, name)
    this.entries.set(name, make(name))
    return name
  }

  values(): T[] {
    return [...this.entries.values()]
  }
}
