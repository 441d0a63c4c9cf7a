/** What a renderer returns: files to write, relative to the output directory. Renderers never touch disk. */
export interface RenderedFile {
  /** Relative path with `/` separators, e.g. `traefik/dynamic.yml`. */
  readonly path: string
  readonly contents: string
  /** The language the file must parse as before anything is written. */
  readonly format: 'yaml' | 'json' | 'sql' | 'env' | 'text'
  /** Which artifact produced it, named in errors. */
  readonly artifact: string
  /** The blueprint it comes from (its name in `blueprints/`), where a blueprint makes it: named to a user who edited the file. */
  readonly blueprint?: string
  /** File mode; `.env` is 0600. */
  readonly mode?: number
  /**
   * The renderer has parsed `contents` back in `format` (and checked more than syntax), so the writer's syntax
   * gate does not parse it a second time: for a big dynamic.yml that second parse was a third of `generate`.
   */
  readonly parsedBack?: true
}
