/**
 * `migrations/` on a cluster: a Job that applies them, named by content like the other Jobs (workload.ts), so
 * adding a migration makes a new Job, which runs once, and applying unchanged manifests changes nothing. The files
 * and the script that applies them (src/migrate/script.ts, `migrate up`'s protocol) are mounted from ConfigMaps.
 *
 * The Job migrates the API's database (else the first application database), as `migrate up` does without
 * `--database`. It has no way to wait for postgres-init: until Postgres answers and the init SQL has made the
 * database, roles and schemas, a run fails and the Job retries it (backoff). Every migration commits with its
 * tracking row or not at all, so a retry applies exactly what is still pending.
 */
import { POSTGRES_INIT, MIGRATIONS_JOB, MIGRATIONS_SCRIPT, migrationsService } from '../../model/jobs.js'
import { APPLY_SCRIPT, migrationScript } from '../../migrate/script.js'
import { targetDatabase } from '../../migrate/target.js'
import type { MigrationFile } from '../../migrate/files.js'
import { header } from '../header.js'
import type { KubeContext } from './meta.js'
import type { KubeObject } from './serialize.js'
import { workload } from './workload.js'

/** A migration's key in the ConfigMap and its file name beside the script: the version alone (names may hold anything). */
const fileName = (migration: MigrationFile): string => `${migration.version}.sql`

export function migrationsJob(ctx: KubeContext): KubeObject[] {
  const { model, migrations } = ctx
  if (migrations.length === 0) return []
  const init = model.services.find((service) => service.name === POSTGRES_INIT)
  if (init === undefined) throw new Error(`internal: migrations need ${POSTGRES_INIT}`)
  const database = targetDatabase(model)
  const { script, apply } = migrationScript(migrations, {
    fileName,
    appliedBy: `kubernetes job ${MIGRATIONS_JOB} (namespace ${model.kubernetes.namespace})`,
    notifyPostgrest: model.api?.database === database,
    header: header('--', model.configFile),
  })
  const service = migrationsService(init, database)
  // Mounted like a rendered folder (files.ts), but these files exist only in the manifests.
  const folder = service.volumes[0]!.source.replace(/^\.\//, '')
  const files = new Map<string, string>([
    [`${folder}/${MIGRATIONS_SCRIPT}`, script],
    [`${folder}/${APPLY_SCRIPT}`, apply],
    ...migrations.map((m): [string, string] => [`${folder}/${fileName(m)}`, m.text!]),
  ])
  return workload({ ...ctx, files }, service, { component: 'migrations', filesByContent: true })
}
