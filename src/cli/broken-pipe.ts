/**
 * A reader that stops early (`sparkbaas status --json | head -1`) closes the pipe, and the next write to stdout or
 * stderr fails with EPIPE. Programs that keep the default SIGPIPE action (coreutils, git, docker compose: a Go program
 * writing to a broken fd 1 or 2 dies of SIGPIPE, golang/go src/os/pipe_test.go TestStdPipe) end there, and the shell
 * reports 128 + 13 = 141. Node ignores SIGPIPE, so the error
 * reaches the stream instead, and unhandled, printed a stack trace. sparkbaas ends the same way those programs do:
 * at once, silently, with 141 (`set -o pipefail` then sees the output was cut short; without it, the pipeline's
 * status is the reader's). `exit` listeners still run.
 */

/** The exit status a shell shows for a process ended by SIGPIPE. */
export const BROKEN_PIPE_EXIT = 141

let installed = false

/** Makes a broken stdout or stderr pipe end the process quietly with {@link BROKEN_PIPE_EXIT}. Idempotent. */
export function exitQuietlyOnBrokenPipe(): void {
  if (installed) return
  installed = true
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(BROKEN_PIPE_EXIT)
      // Anything else stays what it was without this listener: an uncaught error.
      throw error
    })
  }
}
