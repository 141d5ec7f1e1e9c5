import type { ConfluentSchemaRegistry } from '@oxagry/avro'
import type { createClickHouseClient } from '@oxagry/clickhouse'
import type { BookingReadModel } from '@oxagry/commerce-api'
import type { AppOptions, MachinePosition } from '@oxagry/fleet-api'
import type { Following, KafkaBackend } from '@oxagry/kafka'
import type {
  CommerceReadModel,
  NotificationReadModel,
  ReservationReadModel,
  SinkHandle,
  SinkHealth,
  SinkOptions,
  StockReadModel,
} from '@oxagry/sink'
import type { Health, StreamsConfig } from '@oxagry/streams'
import type { TopicSpec } from '@oxagry/topics'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { platformStreamsConfig, type MainConfig } from './config.ts'
import type { PlatformPart } from './parts.ts'

/** What the composition root gives every domain module: the shared clients and how things are named. */
export interface PlatformContext {
  readonly config: MainConfig
  readonly logger: Logger
  readonly backend: KafkaBackend
  readonly registry: ConfluentSchemaRegistry
  readonly clickhouse: ReturnType<typeof createClickHouseClient>
  /** One registry, so /metrics shows every application, sink and API. */
  readonly metrics: Registry
  /** A catalogue topic's name on this platform (under `TOPIC_PREFIX`). */
  topic(spec: TopicSpec): string
  /** An application id or consumer group's name on this platform. */
  group(name: string): string
  /** The options every sink shares: backend, logger, metrics and batch size. */
  readonly sinks: Pick<SinkOptions<never>, 'backend' | 'logger' | 'metricsRegistry' | 'batch'>
  /**
   * Follows every partition of a topic from its start until the platform stops (live views): reads what
   * the topic held when asked, then keeps up. `loaded()` says whether that first read is done.
   */
  follow(topic: string, onValue: (value: Buffer) => Promise<void>): Promise<LiveView>
  /** Says what runs where, for the start banner: `describe('readModel', 'MongoDB ...')`. */
  describe(service: string, where: string): void
  /** The simulated parts' hooks into each other. */
  readonly simulation: Simulation
  /** The API's base URL (`http://127.0.0.1:8080`) once it listens; undefined before, and without `api`. */
  apiUrl(): string | undefined
  /** Whether this process runs a part (`PLATFORM_PARTS`): a module starts only the parts asked for. */
  runs(part: PlatformPart): boolean
  /**
   * Whether the simulators run here: when SIMULATOR is on, in the process that runs the API (the
   * outside world's traffic, the simulated payment provider's webhooks and the fleet's dispatch go
   * through it).
   */
  readonly simulating: boolean
}

/**
 * What the simulated parts offer each other: the fleet simulator, once it runs, dispatches a machine
 * to a field (a booking's fulfilment). Empty when the simulator is off.
 */
export interface Simulation {
  dispatch?: (machineId: string, fieldId: string, arriveAt: number) => boolean
}

/**
 * A stream application's runtime settings on the platform: its stores under the state directory, the
 * standbys, its logger and the one metrics registry, and Kafka Streams' commit interval unless given.
 */
export function applicationStreams(
  context: Pick<PlatformContext, 'config' | 'logger' | 'metrics'>,
  name: string,
  overrides: Pick<StreamsConfig, 'commitIntervalMs'> = {},
): Pick<
  StreamsConfig,
  'stateDir' | 'numStandbyReplicas' | 'logger' | 'metricsRegistry' | 'commitIntervalMs'
> {
  return {
    ...platformStreamsConfig(context.config),
    logger: context.logger.child({ component: name }),
    metricsRegistry: context.metrics,
    ...overrides,
  }
}

/** A followed topic: stopped with the platform, loaded once what it held at the start was read. */
export interface LiveView extends Following {
  loaded(): boolean
}

/** The routes a module serves, by API: the root mounts each on the platform's one HTTP server. */
export type ModuleRoutes =
  | {
      readonly kind: 'fleet-api'
      readonly ports: Pick<AppOptions, 'machines' | 'history' | 'geofences' | 'feed'>
    }
  | {
      /** The commerce views the commerce API reads (orders and payments; stock and its reservations). */
      readonly kind: 'commerce-views'
      readonly orders: CommerceReadModel
      readonly stock: StockReadModel
      readonly reservations: ReservationReadModel
    }
  | {
      /** The machinery bookings the commerce API serves (folded from the booking events). */
      readonly kind: 'bookings-view'
      readonly bookings: BookingReadModel
      /** A live position with the machine's type and booking of the moment, for the live feed and the map. */
      readonly annotate: (position: MachinePosition) => MachinePosition
    }
  | {
      /** A customer's notifications, served by the commerce API beside the orders. */
      readonly kind: 'notification-views'
      readonly notifications: NotificationReadModel
    }

/** How a running part says whether it works: stream applications, and workers such as the payment gateway. */
export interface PartHealth {
  readonly live: boolean
  readonly ready: boolean
  readonly state: string
}

/** A stream application or worker as it runs: what it says of its health. */
export interface RunningPart {
  health(): Health | PartHealth
}

/** A domain as it runs: its stream applications (and workers), sinks and routes by name. */
export interface StartedModule {
  readonly applications: Readonly<Record<string, RunningPart>>
  readonly sinks: Readonly<Record<string, SinkHandle>>
  readonly routes: readonly ModuleRoutes[]
  /** Why the module is not ready yet (a live view still loading), or undefined when it is. */
  notReady?(): string | undefined
  /** Starts what generates traffic (the simulator), once the routes are served; returns its stop. */
  startTraffic?(): Promise<() => Promise<void>>
  /** Stops everything the module started, in reverse. */
  close(): Promise<void>
}

/**
 * A domain of the platform (fleet, commerce, bookings...): the catalogue topics it reads and writes,
 * and how it starts. Adding a domain is adding a module to the platform's list.
 */
export interface DomainModule {
  readonly name: string
  /** Created when missing, before any module starts, so modules may read each other's topics. */
  readonly topics: readonly TopicSpec[]
  start(context: PlatformContext): Promise<StartedModule>
}

/** Every application's and sink's health, by module and name: what to look at when nothing arrives. */
export interface PlatformHealth {
  readonly applications: Readonly<Record<string, Health | PartHealth>>
  readonly sinks: Readonly<Record<string, SinkHealth>>
}

/** Closes in reverse order, logging what fails, and goes on. */
export class Closers {
  private readonly list: (() => Promise<void>)[] = []

  constructor(private readonly logger: Logger) {}

  add(close: () => Promise<void>): void {
    this.list.push(close)
  }

  async closeAll(): Promise<void> {
    for (const close of this.list.splice(0).reverse())
      await close().catch((error: unknown) => this.logger.warn({ err: error }, 'close failed'))
  }
}
