/** SHA-256 as lowercase hex, the one fingerprint sparkbaas uses: manifests, blueprints, migrations, backups. */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'

export const sha256 = (contents: string | Uint8Array): string => createHash('sha256').update(contents).digest('hex')

/** {@link sha256} of a file read as a stream: a database dump may not fit in memory. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
