/**
 * The `sparkbaas` command. Each subcommand's `meta` is written here and its module is imported only when that
 * command runs: `sparkbaas --help` reads every `meta`, and must not load zod, cosmiconfig or jiti to do it.
 */
import { defineCommand } from 'citty'
import { exitQuietlyOnBrokenPipe } from './broken-pipe.js'
import { pkg } from './package.js'
import { lazyCommand, runCli } from './run.js'

const main = defineCommand({
  meta: {
    name: 'sparkbaas',
    version: pkg.version,
    description: 'Define a self-hosted backend stack in sparkbaas.config.ts and run it with docker compose.',
  },
  subCommands: {
    init: lazyCommand(
      { name: 'init', description: 'Create a starter project: sparkbaas.config.ts, functions/hello and .gitignore entries.' },
      () => import('./commands/init.js').then((m) => m.default),
    ),
    validate: lazyCommand(
      { name: 'validate', description: 'Check the config and print a one-line summary of the stack.' },
      () => import('./commands/validate.js').then((m) => m.default),
    ),
    config: lazyCommand(
      { name: 'config', description: 'Show the config an environment runs with: config show --env prod (merged, validated).' },
      () => import('./commands/config.js').then((m) => m.default),
    ),
    schema: lazyCommand(
      { name: 'schema', description: 'Write the JSON Schema for sparkbaas.config.json / .yaml (editor completion).' },
      () => import('./commands/schema.js').then((m) => m.default),
    ),
    generate: lazyCommand(
      { name: 'generate', description: 'Render the stack into generated/: compose file, .env, Traefik, Keycloak, Postgres, functions.' },
      () => import('./commands/generate.js').then((m) => m.default),
    ),
    blueprints: lazyCommand(
      { name: 'blueprints', description: 'List the built-in templates, or eject them into blueprints/ to customise them.' },
      () => import('./commands/blueprints.js').then((m) => m.default),
    ),
    up: lazyCommand(
      { name: 'up', description: 'Start the stack with docker compose or podman (regenerates first when stale) and wait until it is healthy.' },
      () => import('./commands/up.js').then((m) => m.default),
    ),
    down: lazyCommand(
      { name: 'down', description: 'Stop the stack and remove its containers; --volumes --yes also deletes its data.' },
      () => import('./commands/down.js').then((m) => m.default),
    ),
    status: lazyCommand(
      { name: 'status', alias: 'ps', description: 'Show each service (state, health, ports) and the URLs; -o env prints connection settings.' },
      () => import('./commands/status.js').then((m) => m.default),
    ),
    logs: lazyCommand(
      { name: 'logs', description: "Show the services' logs (-f to follow)." },
      () => import('./commands/logs.js').then((m) => m.default),
    ),
    restart: lazyCommand(
      { name: 'restart', description: 'Restart services (default: all).' },
      () => import('./commands/restart.js').then((m) => m.default),
    ),
    exec: lazyCommand(
      { name: 'exec', description: "Run a command in a service's container: sparkbaas exec <service> -- <command…>." },
      () => import('./commands/exec.js').then((m) => m.default),
    ),
    backup: lazyCommand(
      { name: 'backup', description: 'Dump every database and the roles of the running stack into one archive in backups/ (or --file).' },
      () => import('./commands/backup.js').then((m) => m.default),
    ),
    restore: lazyCommand(
      { name: 'restore', description: 'Restore a backup archive onto the stack: --file FILE --yes replaces the databases it holds.' },
      () => import('./commands/restore.js').then((m) => m.default),
    ),
    reset: lazyCommand(
      { name: 'reset', description: 'Back up, then delete the containers and volumes and start the stack again empty (--yes).' },
      () => import('./commands/reset.js').then((m) => m.default),
    ),
    migrate: lazyCommand(
      { name: 'migrate', description: 'SQL migrations in migrations/: new <name>, up (apply the pending ones), status.' },
      () => import('./commands/migrate.js').then((m) => m.default),
    ),
    token: lazyCommand(
      { name: 'token', description: "Print an access token for the API, signed with the realm's key in generated/.env (--role, --user, --ttl)." },
      () => import('./commands/token.js').then((m) => m.default),
    ),
    upgrade: lazyCommand(
      { name: 'upgrade', description: "Compare the stack's images with the ones this release pins and print the plan; --yes applies it." },
      () => import('./commands/upgrade.js').then((m) => m.default),
    ),
    k8s: lazyCommand(
      { name: 'k8s', description: 'Run the stack on Kubernetes with kubectl: apply the output of generate --target kubernetes, status.' },
      () => import('./commands/k8s.js').then((m) => m.default),
    ),
    secrets: lazyCommand(
      { name: 'secrets', description: 'secrets check: the keys the Kubernetes Secret must hold, and whether each is set (locally, --cluster).' },
      () => import('./commands/secrets.js').then((m) => m.default),
    ),
    doctor: lazyCommand(
      { name: 'doctor', description: 'Check this machine for the stack: engine, ports, memory and cores, names, .env, output.' },
      () => import('./commands/doctor.js').then((m) => m.default),
    ),
    function: lazyCommand(
      { name: 'function', description: 'Work with the functions: new, list, logs, invoke, serve (run them locally with node, reloading on change).' },
      () => import('./commands/function.js').then((m) => m.default),
    ),
  },
})

/** Runs the CLI and sets the exit code; bin/sparkbaas.mjs calls this. */
export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  exitQuietlyOnBrokenPipe()
  process.exitCode = await runCli(main, argv)
}
