/**
 * What identifies a migration's content is the SHA-256 (src/hash.ts) of the file's bytes, exactly as they are on
 * disk. Any edit (a comment, trailing whitespace, line endings) changes it, so an applied migration that was edited
 * afterwards is always noticed; nothing is normalised first, because sparkbaas cannot know which edits are harmless.
 */

/**
 * The file as text for psql, or undefined when it is not valid UTF-8 (the databases are UTF-8; a lossy decode would
 * apply something other than what the checksum was taken of). A leading byte-order mark is dropped: some Windows
 * editors write one, and psql would send it to the server as part of the first statement.
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}
