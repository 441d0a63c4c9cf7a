/** The package's own metadata, read once: the version for `--version` and where to report a bug. */
import { readFileSync } from 'node:fs'

interface PackageJson {
  version: string
  bugs?: string | { url?: string }
}

// dist/cli/, dist/bin/ (the bundled CLI) and src/cli/ are all two levels below the package root.
const json = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageJson

const bugsUrl = typeof json.bugs === 'string' ? json.bugs : json.bugs?.url

export const pkg = {
  version: json.version,
  /** Where a bug report goes: package.json's `bugs`, else the command that opens the registry's tracker link. */
  bugs: bugsUrl ?? 'the sparkbaas issue tracker (`npm bugs sparkbaas` opens it)',
} as const
