/** Why `function new` left the config as it was and printed the entries instead: one line, no stack. */
export class EditRefused extends Error {
  constructor(readonly reason: string) {
    super(reason)
    this.name = 'EditRefused'
  }
}

/** What to append, by top-level config key: `{ functions: [entry], routes: [route] }`. */
export type ListAdditions = Readonly<Record<string, readonly unknown[]>>
