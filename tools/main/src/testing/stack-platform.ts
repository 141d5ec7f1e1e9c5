import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadOrCreateLocalKey, mintToken } from '@oxagry/api-auth'
import { kafkaBrokers, serviceUrl } from '@oxagry/testkit'
import type { MainConfig } from '../config.ts'
import type { DomainModule, PlatformContext } from '../module.ts'

/**
 * What `npm start` reads to run on the local stack's services (Kafka, the registry, MongoDB,
 * ClickHouse, and PostgreSQL when `postgresUrl` is given) under a topic prefix of its own, in a fresh
 * state directory: tests that start the platform on the stack share it, so they collide with no one.
 */
export function stackPlatformEnv(
  prefix: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    PORT: '0',
    STATE_DIR: mkdtempSync(join(tmpdir(), 'oxagry-main-')),
    KAFKA_BROKERS: kafkaBrokers().join(','),
    SCHEMA_REGISTRY_URL: serviceUrl('schemaRegistry'),
    MONGODB_URL: serviceUrl('mongodb'),
    CLICKHOUSE_URL: serviceUrl('clickhouse'),
    TOPIC_PREFIX: prefix,
    ...extra,
  }
}

/**
 * A bearer header for the platform's API: real services make it require tokens, so a test signs its
 * own with the platform's local key.
 */
export async function localBearer(
  config: MainConfig,
  scopes: readonly string[],
): Promise<{ authorization: string }> {
  if (config.api.auth.mode !== 'local') throw new Error(`auth is ${config.api.auth.mode} on real services`)
  const key = await loadOrCreateLocalKey(config.api.auth.keyFile)
  return { authorization: `Bearer ${await mintToken(key, { subject: 'it', scopes })}` }
}

/**
 * A module that starts nothing and keeps the context the platform gave it: a test passes it after the
 * platform's own modules to reach the clients they share (Kafka, the registry, ClickHouse) and names.
 */
export function contextProbe(): { module: DomainModule; context(): PlatformContext } {
  let seen: PlatformContext | undefined
  return {
    module: {
      name: 'test-probe',
      topics: [],
      async start(context) {
        seen = context
        return { applications: {}, sinks: {}, routes: [], close: async () => {} }
      },
    },
    context: () => {
      if (seen === undefined) throw new Error('the platform has not started the probe')
      return seen
    },
  }
}
