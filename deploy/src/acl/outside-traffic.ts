import { Contracts, ConfluentSchemaRegistry, createAvroSerde } from '@oxagry/avro'
import type { KafkaBackend } from '@oxagry/kafka'
import { platformNames } from '@oxagry/main'
import { commerceTopicNames, marketTopicsOf } from '@oxagry/main/commerce'
import { createNotificationsSerdes, DEFAULT_NOTIFICATIONS_TOPICS } from '@oxagry/notifications'
import {
  createBackendPingSink,
  createFleet,
  createMarket,
  createMarketSink,
  createSimulatorSerdes,
  runSimulator,
  simulatedMachines,
} from '@oxagry/simulator'
import { machineKey, TOPICS } from '@oxagry/topics'

/** What the platform's neighbours write while it runs, and a field a farmer may book a machine for. */
export interface OutsideTraffic {
  readonly fieldId: string
  /** The customer whose notification preferences were written (e-mail). */
  readonly customerId: string
  stop(): Promise<void>
}

/**
 * The platform's neighbours in production, simulated: the machines' pings and the geofences, the shop's
 * catalogue, stock receipts and checkouts, the fleet registry of machines for rent, and a customer's
 * notification preferences (the account service's). Written on the broker's own backend, not the
 * platform's, so an audit of the platform's backend holds only what the platform asks.
 */
export async function startOutsideTraffic(
  backend: KafkaBackend,
  registryUrl: string,
): Promise<OutsideTraffic> {
  const registry = new ConfluentSchemaRegistry({ url: registryUrl, clientId: 'outside-traffic' })
  const names = platformNames()
  const customerId = 'farm-0001'
  const notifications = await createNotificationsSerdes(registry, DEFAULT_NOTIFICATIONS_TOPICS, {
    autoRegister: true,
  })
  const machines = names.topic(TOPICS.machines.name)
  const machineSerde = await createAvroSerde({
    registry,
    contract: Contracts.Machine,
    topics: [machines],
    autoRegister: true,
  })
  const preferences = names.topic(TOPICS.notificationPreferences.name)
  const now = Date.now()
  const neighbours = await backend.producer({ clientId: 'outside-neighbours' })
  try {
    await neighbours.send([
      {
        topic: preferences,
        key: Buffer.from(customerId),
        value: await notifications.preference.serialize(
          preferences,
          {
            recipientId: customerId,
            updatedAt: now,
            channels: ['EMAIL'],
            email: `${customerId}@farms.example`,
            phone: null,
            pushDevice: null,
            quietHours: null,
          },
          {},
        ),
        timestamp: now,
        headers: {},
      },
      ...(await Promise.all(
        simulatedMachines(5, now).map(async (m) => ({
          topic: machines,
          key: Buffer.from(machineKey(m.machineId)),
          value: await machineSerde.serialize(machines, m, {}),
          timestamp: now,
          headers: {},
        })),
      )),
    ])
  } finally {
    await neighbours.close()
  }

  const fleetTopics = { pings: names.topics.pings, geofences: names.topics.geofences }
  const pings = await createBackendPingSink({
    backend,
    serdes: await createSimulatorSerdes(registry, fleetTopics, { autoRegister: true }),
    topics: fleetTopics,
  })
  const fleet = createFleet({ machines: 5, ratePerSecond: 20, seed: 7 })
  const field = fleet.geofences(now).find((g) => g.kind === 'FIELD')
  if (field === undefined) throw new Error('the simulated region has no field')
  const abort = new AbortController()
  const driving = runSimulator({ fleet, sink: pings, signal: abort.signal })

  const shop = await createMarketSink({
    backend,
    registry,
    topics: marketTopicsOf(commerceTopicNames((spec) => names.topic(spec.name))),
    autoRegister: true,
  })
  const market = createMarket({ seed: 7, ordersPerSecond: 5, cancelAfterMs: 1_000, deliverAfterMs: 3_000 })
  await shop.send(market.opening(Date.now()))
  let stopped = false
  const selling = (async () => {
    while (!stopped) {
      await shop.send(market.tick(Date.now()))
      await new Promise((r) => setTimeout(r, 200))
    }
  })()
  return {
    fieldId: field.geofenceId,
    customerId,
    stop: async () => {
      stopped = true
      abort.abort()
      await Promise.all([driving, selling])
      await Promise.all([pings.close(), shop.close()])
    },
  }
}
