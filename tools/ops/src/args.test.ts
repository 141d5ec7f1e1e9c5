import test, { type ExecutionContext } from 'ava'
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_LIST_LIMIT,
  parseCommandLine,
  parseDatetime,
  type Command,
} from './args.ts'
import { OPS_ERROR_CODES, OpsError } from './errors.ts'

const command = (argv: string[], env: NodeJS.ProcessEnv = {}): Command => {
  const invocation = parseCommandLine(argv, env)
  if (invocation.kind !== 'run') throw new Error('expected a command')
  return invocation.command
}

const usage = (t: ExecutionContext, argv: string[], message: RegExp): void => {
  const error = t.throws(() => parseCommandLine(argv, {}), { instanceOf: OpsError })
  t.is(error?.code, OPS_ERROR_CODES.USAGE)
  t.regex(error?.message ?? '', message)
}

test('reset takes an application id, input topics, a target and a state directory', (t) => {
  t.deepEqual(command(['reset', 'orders']), {
    kind: 'reset',
    applicationId: 'orders',
    to: { kind: 'earliest' },
    dryRun: false,
  })
  t.deepEqual(
    command([
      'reset',
      'orders',
      '--input-topics',
      'a.v1, b.v1',
      '--to-offset',
      '42',
      '--state-dir',
      '/s',
      '--dry-run',
    ]),
    {
      kind: 'reset',
      applicationId: 'orders',
      inputTopics: ['a.v1', 'b.v1'],
      to: { kind: 'offset', offset: 42n },
      stateDir: '/s',
      dryRun: true,
    },
  )
  t.deepEqual(command(['reset', 'orders', '--to-datetime', '2026-11-30T12:00:00Z']), {
    kind: 'reset',
    applicationId: 'orders',
    to: { kind: 'datetime', timestamp: Date.UTC(2026, 10, 30, 12) },
    dryRun: false,
  })
})

test('reset takes its state directory from $STATE_DIR when no option names one', (t) => {
  t.like(command(['reset', 'orders'], { STATE_DIR: '/var/state' }), { stateDir: '/var/state' })
  t.like(command(['reset', 'orders', '--state-dir', '/x'], { STATE_DIR: '/var/state' }), { stateDir: '/x' })
  t.false('stateDir' in command(['reset', 'orders'], { STATE_DIR: '' }))
})

test('reset refuses what cannot be meant', (t) => {
  usage(t, ['reset'], /missing applicationId/)
  usage(t, ['reset', 'a b'], /not a valid Kafka name/)
  usage(t, ['reset', '..'], /not a valid Kafka name/)
  usage(t, ['reset', 'orders', 'extra'], /unexpected argument "extra"/)
  usage(t, ['reset', 'orders', '--to-offset', '1', '--to-datetime', '2026-01-01T00:00'], /exclude each other/)
  usage(t, ['reset', 'orders', '--to-offset=-1'], /--to-offset must be an offset/)
  usage(t, ['reset', 'orders', '--to-offset', 'first'], /--to-offset must be an offset/)
  usage(t, ['reset', 'orders', '--to-datetime', 'yesterday'], /not an ISO 8601 date and time/)
  usage(t, ['reset', 'orders', '--input-topics', 'a,,b'], /input topic "" is not a valid Kafka name/)
  usage(t, ['reset', 'orders', '--filter', 'stage=PROCESSING'], /reset does not take --filter/)
  usage(t, ['reset', 'orders', '--bogus'], /Unknown option '--bogus'/)
})

test('datetimes without a zone are UTC; offsets and zones are honoured', (t) => {
  t.is(parseDatetime('2026-11-30T12:00'), Date.UTC(2026, 10, 30, 12))
  t.is(parseDatetime('2026-11-30T12:00:00.250'), Date.UTC(2026, 10, 30, 12, 0, 0, 250))
  t.is(parseDatetime('2026-11-30T12:00:00+01:00'), Date.UTC(2026, 10, 30, 11))
  t.throws(() => parseDatetime('2026-11-30'), { instanceOf: OpsError })
  t.throws(() => parseDatetime('2026-13-40T12:00Z'), { instanceOf: OpsError })
})

test('dead-letters list, show and replay, with their defaults', (t) => {
  t.deepEqual(command(['dead-letters', 'list', 'orders.dead-letters.v1']), {
    kind: 'dead-letters list',
    topic: 'orders.dead-letters.v1',
    limit: DEFAULT_LIST_LIMIT,
    filter: new Map(),
  })
  t.deepEqual(command(['dead-letters', 'show', 'orders.dead-letters.v1', '2:0042']), {
    kind: 'dead-letters show',
    topic: 'orders.dead-letters.v1',
    partition: 2,
    offset: '42',
  })
  t.deepEqual(
    command([
      'dead-letters',
      'replay',
      'orders.dead-letters.v1',
      '--filter',
      'stage=PROCESSING',
      '--filter',
      'stage=DESERIALIZATION',
      '--filter',
      'application=orders',
      '--group',
      'my-replay',
      '--batch-size',
      '5',
      '--dry-run',
    ]),
    {
      kind: 'dead-letters replay',
      topic: 'orders.dead-letters.v1',
      filter: new Map([
        ['stage', ['PROCESSING', 'DESERIALIZATION']],
        ['application', ['orders']],
      ]),
      group: 'my-replay',
      batchSize: 5,
      dryRun: true,
    },
  )
  t.like(command(['dead-letters', 'replay', 't']), { batchSize: DEFAULT_BATCH_SIZE, dryRun: false })
})

test('dead-letters refuses bad subcommands, positions, counts and filters', (t) => {
  usage(t, ['dead-letters'], /needs a subcommand/)
  usage(t, ['dead-letters', 'purge', 't'], /unknown dead-letters subcommand "purge"/)
  usage(t, ['dead-letters', 'list'], /missing dead-letter topic/)
  usage(t, ['dead-letters', 'show', 't'], /<partition>:<offset>/)
  usage(t, ['dead-letters', 'show', 't', '1-2'], /<partition>:<offset> \(0:42\), not 1-2/)
  usage(t, ['dead-letters', 'list', 't', '--limit', 'ten'], /--limit must be an integer of at least 0/)
  usage(
    t,
    ['dead-letters', 'replay', 't', '--batch-size', '0'],
    /--batch-size must be an integer of at least 1/,
  )
  usage(
    t,
    ['dead-letters', 'replay', 't', '--filter', 'colour=red'],
    /the field must be one of application, stage/,
  )
  usage(t, ['dead-letters', 'replay', 't', '--filter', 'stage='], /give a value/)
  usage(t, ['dead-letters', 'replay', 't', '--filter', 'retriable=yes'], /retriable is true or false/)
  usage(t, ['dead-letters', 'show', 't', '0:1', '--limit', '3'], /dead-letters show does not take --limit/)
  usage(t, ['dead-letters', 'list', 't', '--dry-run'], /dead-letters list does not take --dry-run/)
})

test('help, no command, and where the services are', (t) => {
  t.deepEqual(parseCommandLine(['--help'], {}), { kind: 'help' })
  t.deepEqual(parseCommandLine(['reset', '-h'], {}), { kind: 'help' })
  usage(t, [], /give a command/)
  usage(t, ['restart'], /unknown command "restart"/)
  t.like(parseCommandLine(['reset', 'a'], { KAFKA_BROKERS: 'k:1', SCHEMA_REGISTRY_URL: 'http://r' }), {
    brokers: 'k:1',
    registry: 'http://r',
  })
  t.like(
    parseCommandLine(['reset', 'a', '--brokers', 'b:2', '--registry', 'http://s'], { KAFKA_BROKERS: 'k:1' }),
    {
      brokers: 'b:2',
      registry: 'http://s',
    },
  )
  t.like(parseCommandLine(['reset', 'a'], {}), {
    brokers: '127.0.0.1:9092',
    registry: 'http://127.0.0.1:8081/apis/ccompat/v7',
  })
})
