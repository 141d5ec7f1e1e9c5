/**
 * The paced producer of a latency step, in a process of its own so its CPU is not in the platform's
 * event loop: the simulator's fleet (no bad data) sends `--rate` pings/s for `--warmup-ms` +
 * `--measure-ms`. Each ping is stamped when it is handed to the producer: eventTime and the record
 * timestamp are that wall-clock time, and it gets a fresh pingId (each step starts a new fleet from the
 * same seed, whose pingIds the validator would otherwise take for resends of the previous step's).
 *
 * Prints `START {"t0","from","to"}` (the measured window, wall clock), then `DONE {...counts}`.
 */
import { randomUUID } from 'node:crypto'
import { ConfluentSchemaRegistry } from '@oxagry/avro'
import {
  createBackendPingSink,
  createFleet,
  createSimulatorSerdes,
  runSimulator,
  type PingSink,
} from '@oxagry/simulator'
import { KafkaJsBackend } from '@oxagry/kafka'
import { intFlag, parseFlags, stringFlag } from '../args.ts'

/** Every ping valid: the step measures the accepted path, and rejected pings would not reach the feed. */
const NO_BAD_DATA = { gpsJump: 0, outOfRange: 0, duplicate: 0, late: 0, outOfOrder: 0 } as const

const flags = parseFlags(process.argv.slice(2))
const brokers = stringFlag(flags, 'brokers').split(',')
const topics = { pings: stringFlag(flags, 'pings'), geofences: stringFlag(flags, 'geofences') }
const rate = intFlag(flags, 'rate', 1000)
const warmupMs = intFlag(flags, 'warmup-ms', 10_000, 0)
const measureMs = intFlag(flags, 'measure-ms', 30_000)

const backend = new KafkaJsBackend({ brokers, clientId: 'oxagry-bench-producer' })
const registry = new ConfluentSchemaRegistry({ url: stringFlag(flags, 'registry'), clientId: 'oxagry-bench' })
const inner = await createBackendPingSink({
  backend,
  serdes: await createSimulatorSerdes(registry, topics, { autoRegister: true }),
  topics,
})
const fleet = createFleet({
  machines: intFlag(flags, 'machines', 2000),
  ratePerSecond: rate,
  seed: intFlag(flags, 'seed', 42, 0),
  badData: NO_BAD_DATA,
})

const t0 = Date.now()
const window = { t0, from: t0 + warmupMs, to: t0 + warmupMs + measureMs }
let produced = 0
let inWindow = 0
const sink: PingSink = {
  publishGeofences: (geofences) => inner.publishGeofences(geofences),
  async send(pings) {
    const now = Date.now()
    await inner.send(
      pings.map((p) => ({ ...p, emittedAt: now, ping: { ...p.ping, eventTime: now, pingId: randomUUID() } })),
    )
    produced += pings.length
    if (now >= window.from && now < window.to) inWindow += pings.length
  },
  close: () => inner.close(),
}
console.log(`START ${JSON.stringify(window)}`)
await runSimulator({ fleet, sink, durationMs: warmupMs + measureMs, tickMs: intFlag(flags, 'tick-ms', 20) })
console.log(`DONE ${JSON.stringify({ produced, inWindow })}`)
await sink.close()
await backend.close()
process.exit(0)
