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
  readonly kind: 'stream' | 'api'
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
  {
    name: 'platform',
    kind: 'api',
    description:
      'The platform job with the simulator off: the fleet API and live feed, the sinks, and an instance of tracking',
    packageDir: 'tools/main',
    script: 'start',
    command: ['node', '--import', 'tsx', 'src/main.ts'],
    applications: [
      'tracking',
      'orders',
      'inventory',
      'payments',
      'bookings',
      'payment-gateway',
      'notifications',
      'notification-channels',
      'sink-clickhouse-pings',
      'sink-clickhouse-sessions',
      'sink-read-model',
      'sink-postgres-orders',
      'sink-postgres-payments',
      'sink-stock',
      'sink-stock-reservations',
      'sink-clickhouse-commerce',
      'fleet-live-view',
      'commerce-live-view',
      'notifications-live-view',
      'platform-topics',
    ],
    port: 8080,
    paths: HEALTH,
    metricsToken: { secret: 'oxagry-metrics-token', key: 'token' },
    state: { mountPath: STATE, size: '10Gi' },
    env: {
      HOST: { value: '0.0.0.0' },
      PORT: { value: '8080' },
      STATE_DIR: { value: STATE },
      SIMULATOR: { value: 'off' },
      PROCESSING_GUARANTEE: { value: 'exactly_once' },
      // Two replicas at least (the autoscaler's minimum): a warm copy of each task's stores on another.
      NUM_STANDBY_REPLICAS: { value: '1' },
      KAFKA_CLIENT: { value: 'kafkajs' },
      SCHEMA_REGISTRY_URL: { external: 'schema-registry-url' },
      AUTH_JWKS_URL: { external: 'auth-jwks-url' },
      AUTH_ISSUER: { external: 'auth-issuer' },
      AUTH_AUDIENCE: { external: 'auth-audience' },
      CORS_ORIGINS: { external: 'cors-origins' },
      // The commerce views in one PostgreSQL for every replica: PGlite would keep a pod's share apart.
      POSTGRES_URL: { secret: 'oxagry-stores', key: 'postgres-url' },
      MONGODB_URL: { secret: 'oxagry-stores', key: 'mongodb-url' },
      CLICKHOUSE_URL: { secret: 'oxagry-stores', key: 'clickhouse-url' },
    },
    replicas: 2,
    resources: { requests: { cpu: '500m', memory: '768Mi' }, limits: { memory: '1536Mi' } },
    autoscale: { min: 2, max: 6, cpuPercent: 70 },
  },
]
