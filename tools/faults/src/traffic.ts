import type { SchemaRegistryClient } from '@oxagry/avro'
import type { KafkaBackend } from '@oxagry/kafka'
import {
  ACCEPTED_KINDS,
  createBackendPingSink,
  createFleet,
  createSimulatorSerdes,
  type EmittedPing,
  type Fleet,
} from '@oxagry/simulator'
import type { TrackingTopics } from '@oxagry/tracking'

const SEND_TIMEOUT_MS = 20_000

/** A simulated fleet pinging in real time, whatever is down: what the pipeline must account for. */
export interface FleetTraffic {
  /** Every ping emitted so far (sent, or waiting to be), with the phase it was emitted in. */
  readonly emitted: readonly { readonly ping: EmittedPing; readonly phase: string }[]
  readonly fleet: Fleet
  /** Pings emitted and not yet acknowledged by the broker. */
  pending(): number
  /** Names the phase the next pings belong to (the fault under way). */
  phase(name: string): void
  /**
   * Stops ticking and resolves once every emitted ping is on the broker, or once `timeoutMs` passed:
   * what is still pending then was never sent, and is no longer counted as emitted.
   */
  stop(timeoutMs?: number): Promise<void>
}

/**
 * Ticks the fleet every `tickMs` and sends what it emitted. A send that fails (the broker is down) is
 * sent again with what came since, until the broker takes it: the producer is the source, and the
 * source keeps its data. A batch the broker took before failing to answer comes twice; the tracking
 * application turns the second copy into a `PING_DUPLICATE` dead letter, and the accounting counts
 * the accepted pings only.
 */
export async function startFleetTraffic(options: {
  backend: KafkaBackend
  registry: SchemaRegistryClient
  topics: TrackingTopics
  machines: number
  pingEveryS: number
  seed: number
  tickMs?: number
  onSendError?: (error: unknown) => void
}): Promise<FleetTraffic> {
  const serdes = await createSimulatorSerdes(options.registry, options.topics, { autoRegister: true })
  const open = (): ReturnType<typeof createBackendPingSink> =>
    createBackendPingSink({ backend: options.backend, serdes, topics: options.topics })
  const first = await open()
  /** The producer; none after one was given up on, until a new one connects (the broker may be down). */
  let sink: typeof first | undefined = first
  // A send the client neither completes nor fails: after a broker restart kafkajs' producer was seen to
  // hang for minutes. It is given up on and the producer replaced; the batch goes again.
  const sendBounded = async (pings: readonly EmittedPing[]): Promise<void> => {
    // Opening fails while the broker is down: the batch stays pending and the next tick tries again.
    const current = (sink ??= await open())
    let timer: NodeJS.Timeout | undefined
    const hung = new Promise<'hung'>(
      (resolve) => (timer = setTimeout(() => resolve('hung'), SEND_TIMEOUT_MS)),
    )
    try {
      const sending = current.send(pings).then(() => 'sent' as const)
      // A send given up on may still fail later: handled here, so it is no unhandled rejection.
      sending.catch(() => {})
      if ((await Promise.race([sending, hung])) === 'hung') {
        sink = undefined
        void current.close().catch(() => {})
        throw new Error(`a send hung for ${SEND_TIMEOUT_MS} ms; producer replaced`)
      }
    } finally {
      clearTimeout(timer)
    }
  }
  const fleet = createFleet({
    machines: options.machines,
    ratePerSecond: options.machines / options.pingEveryS,
    seed: options.seed,
    startTimeMs: Date.now(),
  })
  await first.publishGeofences(fleet.geofences(Date.now()))
  const emitted: { ping: EmittedPing; phase: string }[] = []
  let pending: EmittedPing[] = []
  let phase = 'warm-up'
  let stopping = false
  const loop = (async () => {
    for (;;) {
      if (!stopping)
        for (const ping of fleet.tick(Date.now())) {
          pending.push(ping)
          emitted.push({ ping, phase })
        }
      if (pending.length > 0) {
        try {
          await sendBounded(pending)
          pending = []
        } catch (error) {
          options.onSendError?.(error)
        }
      }
      if (stopping && pending.length === 0) return
      await new Promise((resolve) => setTimeout(resolve, options.tickMs ?? 500))
    }
  })()
  return {
    emitted,
    fleet,
    pending: () => pending.length,
    phase: (name) => void (phase = name),
    stop: async (timeoutMs = 120_000) => {
      stopping = true
      const timer = setTimeout(() => {
        // Given up: what the broker never took leaves the books.
        const unsent = new Set(pending)
        for (let i = emitted.length - 1; i >= 0; i--) if (unsent.has(emitted[i]!.ping)) emitted.splice(i, 1)
        pending = []
      }, timeoutMs)
      await loop
      clearTimeout(timer)
      await sink?.close()
    },
  }
}

/** The accepted pings among those emitted: what must reach the accepted topic and ClickHouse. */
export function acceptedOf(
  emitted: FleetTraffic['emitted'],
): { pingId: string; machineId: string; phase: string }[] {
  return emitted
    .filter((e) => ACCEPTED_KINDS.includes(e.ping.kind))
    .map((e) => ({ pingId: e.ping.ping.pingId, machineId: e.ping.ping.machineId, phase: e.phase }))
}
