import type { StackPaths } from '../config.ts'
import type { ServiceStatus, StackService } from '../service.ts'

/**
 * ClickHouse runs in-process through chdb (ClickHouse 26.x as a library) plugged into
 * @clickhouse/client, so there is nothing to start; status says whether chdb loads and which version.
 */
export class ClickHouseService implements StackService {
  readonly name = 'clickhouse'

  async install(): Promise<void> {
    await import('chdb/connection')
  }

  async start(): Promise<'already-up'> {
    return 'already-up'
  }

  async stop(): Promise<boolean> {
    return false
  }

  async status(_paths: StackPaths): Promise<ServiceStatus> {
    try {
      const { query } = await import('chdb')
      const version = query('SELECT version()', 'TabSeparated').trim()
      return {
        name: this.name,
        state: 'in-process',
        address: 'chdb (CLICKHOUSE_URL unset)',
        detail: `ClickHouse ${version}`,
      }
    } catch (error) {
      return { name: this.name, state: 'down', address: 'chdb', detail: (error as Error).message }
    }
  }
}
