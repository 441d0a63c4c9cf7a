/**
 * The package entry point. `sparkbaas.config.ts` imports `defineConfig` from here, so this module stays light:
 * it must not load handlebars, execa or the renderers at import time (test/entry.test.ts checks the import graph).
 */
export { defineConfig, type ConfigEnv, type SparkbaasConfigExport, type SparkbaasConfigFn } from './config/define.js'
export { secret, type SecretRef } from './config/secret.js'
export type {
  SparkbaasConfig,
  EnvironmentConfig,
  ProductionConfig,
  ApiConfig,
  AcmeTls,
  ClientConfig,
  EnvValue,
  FunctionConfig,
  ImagesConfig,
  KeycloakConfig,
  KubernetesConfig,
  LimitsConfig,
  PortsConfig,
  PostgresConfig,
  RealmConfig,
  RouteConfig,
  RouteTarget,
  ServiceConfig,
  UserConfig,
  WorkerConfig,
} from './config/types.js'
export { SparkbaasError, type Problem, type ErrorCode } from './errors.js'
