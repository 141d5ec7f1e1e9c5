import type { PlatformPart } from '@oxagry/main'
/** Where an environment variable of a workload comes from. */
export type EnvSource =
  | { readonly value: string }
  /** A key of a Secret the operators create (a store's URL with its password...). */
  | { readonly secret: string; readonly key: string; readonly optional?: boolean }
  /** A key of the ConfigMap of external endpoints (`oxagry-external`). */
  | { readonly external: string }

/**
 * A process the platform runs in Kubernetes: what it runs (the package's own start script, from its
 * folder), the applications it hosts (their ACLs make its KafkaUser), its HTTP port with health and
 * metrics, and how it scales. A workload with a state directory is a StatefulSet with a volume.
 */
export interface Workload {
  readonly name: string
  readonly kind: 'stream' | 'sink' | 'api'
  readonly description: string
  /** The package folder the command runs in, and the package script it is. */
  readonly packageDir: string
  readonly script: string
  readonly command: readonly string[]
  /** Application entries (deploy/src/apps.ts) whose access the workload's KafkaUser gets. */
  readonly applications: readonly string[]
  readonly port: number
  readonly paths: { readonly live: string; readonly ready: string; readonly metrics: string }
  /** A Secret holding a bearer token with the `ops` scope, when /metrics asks for one. */
  readonly metricsToken?: { readonly secret: string; readonly key: string }
  /** The persistent stores' volume, mounted here, and its size. */
  readonly state?: { readonly mountPath: string; readonly size: string }
  readonly env: Readonly<Record<string, EnvSource>>
  readonly replicas: number
  readonly resources: {
    readonly requests: { readonly cpu: string; readonly memory: string }
    readonly limits: { readonly memory: string }
  }
  /** An API scales on CPU between these bounds. */
  readonly autoscale?: { readonly min: number; readonly max: number; readonly cpuPercent: number }
}

const STATE = '/var/lib/oxagry'
const HEALTH = { live: '/health/live', ready: '/health/ready', metrics: '/metrics' } as const
/** Every tools/main workload serves HTTP here; each is its own pod. */
const PORT = 8080
const METRICS_TOKEN = { secret: 'oxagry-metrics-token', key: 'token' } as const

/** What every part run by tools/main's `npm start` shares: one part, topics left to Strimzi, tokens checked. */
function partEnv(part: PlatformPart, stateDir: string): Record<string, EnvSource> {
  return {
    HOST: { value: '0.0.0.0' },
    PORT: { value: String(PORT) },
    PLATFORM_PARTS: { value: part },
    // The topic operator creates the catalogue's topics from strimzi/topics: no user may create them.
    CREATE_TOPICS: { value: 'off' },
    STATE_DIR: { value: stateDir },
    SIMULATOR: { value: 'off' },
    PROCESSING_GUARANTEE: { value: 'exactly_once' },
    KAFKA_CLIENT: { value: 'kafkajs' },
    SCHEMA_REGISTRY_URL: { external: 'schema-registry-url' },
    // /metrics asks for a token with the `ops` scope, checked against the identity provider's keys.
    AUTH_JWKS_URL: { external: 'auth-jwks-url' },
    AUTH_ISSUER: { external: 'auth-issuer' },
    AUTH_AUDIENCE: { external: 'auth-audience' },
  }
}

const STORES = {
  POSTGRES_URL: { secret: 'oxagry-stores', key: 'postgres-url' },
  MONGODB_URL: { secret: 'oxagry-stores', key: 'mongodb-url' },
  CLICKHOUSE_URL: { secret: 'oxagry-stores', key: 'clickhouse-url' },
} as const satisfies Record<string, EnvSource>

/** A part of tools/main as its own workload, named after the part, whose KafkaUser is that part's. */
function partWorkload(
  part: PlatformPart,
  spec: Pick<Workload, 'kind' | 'description' | 'replicas' | 'resources'> &
    Partial<Pick<Workload, 'state' | 'autoscale'>> & { readonly env?: Readonly<Record<string, EnvSource>> },
): Workload {
  return {
    name: part,
    kind: spec.kind,
    description: spec.description,
    packageDir: 'tools/main',
    script: 'start',
    command: ['node', '--import', 'tsx', 'src/main.ts'],
    applications: [part],
    port: PORT,
    paths: HEALTH,
    metricsToken: METRICS_TOKEN,
    ...(spec.state === undefined ? {} : { state: spec.state }),
    // Without a volume the state directory is the pod's scratch space: the root file system is read-only.
    env: { ...partEnv(part, spec.state?.mountPath ?? '/tmp/oxagry'), ...spec.env },
    replicas: spec.replicas,
    resources: spec.resources,
    ...(spec.autoscale === undefined ? {} : { autoscale: spec.autoscale }),
  }
}

/**
 * A commerce stream application: its stores on a volume, and on two replicas a warm copy of each
 * task's stores on the other, so a pod that dies is taken over without restoring from the changelogs.
 */
function commerceApplication(part: PlatformPart, description: string): Workload {
  return partWorkload(part, {
    kind: 'stream',
    description,
    state: { mountPath: STATE, size: '5Gi' },
    env: { NUM_STANDBY_REPLICAS: { value: '1' } },
    replicas: 2,
    resources: { requests: { cpu: '250m', memory: '384Mi' }, limits: { memory: '768Mi' } },
  })
}

/**
 * A worker on a simulated provider (payments' gateway, notifications' channels): the provider keeps its
 * books in one file on the volume, so one replica; a new pod takes the group's partitions over.
 */
function providerWorker(part: PlatformPart, description: string): Workload {
  return partWorkload(part, {
    kind: 'stream',
    description,
    state: { mountPath: STATE, size: '1Gi' },
    replicas: 1,
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
  })
}

/**
 * A sink: no state of its own (its position is its group's offsets), two replicas sharing the
 * partitions. Given the stores whose URLs decide where its view lives, as the API is: the commerce views
 * keep stock in MongoDB when MONGODB_URL is set, and in PostgreSQL beside the orders otherwise.
 */
function sink(part: PlatformPart, description: string, stores: readonly (keyof typeof STORES)[]): Workload {
  return partWorkload(part, {
    kind: 'sink',
    description,
    env: Object.fromEntries(stores.map((store) => [store, STORES[store]])),
    replicas: 2,
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
  })
}

const COMMERCE_VIEW_STORES = ['POSTGRES_URL', 'MONGODB_URL'] as const

export const WORKLOADS: readonly Workload[] = [
  {
    name: 'tracking',
    kind: 'stream',
    description:
      'The tracking stream application: pings to positions, transitions, sessions and dead letters',
    packageDir: 'streams/tracking',
    script: 'start',
    command: ['node', '--import', 'tsx', 'src/main.ts'],
    applications: ['tracking'],
    port: 9464,
    paths: HEALTH,
    state: { mountPath: STATE, size: '10Gi' },
    env: {
      // The stores and their checkpoints on the volume (the service's default is under its folder).
      STATE_DIR: { value: STATE },
      TRACKING_HTTP_PORT: { value: '9464' },
      TRACKING_HTTP_HOST: { value: '0.0.0.0' },
      PROCESSING_GUARANTEE: { value: 'exactly_once' },
      // Three replicas: a warm copy of each task's stores on another one, so a pod that dies is
      // taken over without restoring its changelogs from the start.
      NUM_STANDBY_REPLICAS: { value: '1' },
      SCHEMA_REGISTRY_URL: { external: 'schema-registry-url' },
    },
    replicas: 3,
    resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } },
  },
  commerceApplication(
    'orders',
    'The orders application: checkouts to decided orders, their events and statuses',
  ),
  commerceApplication('inventory', 'The inventory application: stock levels, reservations and their answers'),
  commerceApplication('payments', "The payments application: authorisations' answers and the fraud check"),
  providerWorker('payment-gateway', 'The payment gateway: payment commands to the provider, exactly once'),
  commerceApplication('bookings', 'The bookings application: machine bookings, paid as rental orders'),
  commerceApplication('notifications', 'The notifications application: events rendered into the outbox'),
  providerWorker('notification-channels', "The notifications' channel worker: the outbox sent, exactly once"),
  sink('sink-clickhouse-pings', 'Validated pings into ClickHouse', ['CLICKHOUSE_URL']),
  sink('sink-clickhouse-sessions', 'Machine sessions into ClickHouse', ['CLICKHOUSE_URL']),
  sink('sink-read-model', "Machines' latest positions into the read model (MongoDB)", ['MONGODB_URL']),
  sink(
    'sink-postgres-orders',
    'Orders and their statuses into the orders view (PostgreSQL)',
    COMMERCE_VIEW_STORES,
  ),
  sink('sink-postgres-payments', 'Payments into the orders view (PostgreSQL)', COMMERCE_VIEW_STORES),
  sink('sink-stock', 'Stock levels into the stock view (MongoDB)', COMMERCE_VIEW_STORES),
  sink('sink-stock-reservations', 'Reservations into the stock view (MongoDB)', COMMERCE_VIEW_STORES),
  sink('sink-clickhouse-commerce', "The analysts' commerce facts into ClickHouse", ['CLICKHOUSE_URL']),
  partWorkload('api', {
    kind: 'api',
    description: 'The fleet and commerce APIs: REST, the live feeds and the map, over the views',
    env: {
      ...STORES,
      CORS_ORIGINS: { external: 'cors-origins' },
    },
    replicas: 2,
    resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } },
    autoscale: { min: 2, max: 6, cpuPercent: 70 },
  }),
]
