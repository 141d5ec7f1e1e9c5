import { join } from 'node:path'
import type { NotificationPreference } from '@oxagry/avro'
import {
  createNotificationsSerdes,
  SimulatedChannel,
  startChannelWorker,
  startNotifications,
  type NotificationsSerdes,
  type NotificationsTopics,
} from '@oxagry/notifications'
import { MemoryNotificationView } from '@oxagry/sink'
import { TOPICS, type TopicSpec } from '@oxagry/topics'
import {
  applicationStreams,
  Closers,
  type DomainModule,
  type PlatformContext,
  type RunningPart,
  type StartedModule,
} from '../module.ts'

/** The catalogue topics the notifications domain reads and writes. */
export const NOTIFICATIONS = {
  orderEvents: TOPICS.orderEvents,
  stockEvents: TOPICS.stockEvents,
  bookingEvents: TOPICS.bookingEvents,
  preferences: TOPICS.notificationPreferences,
  outbox: TOPICS.notificationOutbox,
  deliveries: TOPICS.notificationDeliveries,
  deadLetters: TOPICS.notificationsDeadLetters,
} as const satisfies Record<keyof NotificationsTopics, TopicSpec>

/** The operator told of low stock on the platform. */
export const STOCK_OPERATOR = 'operator:warehouse'

/**
 * Preferences for the simulated market's customers (`farm-0001`...) and the warehouse operator, as the
 * account service would write them: every customer by e-mail, every third also by SMS, every fifth by
 * push, every fourth with quiet hours from 22:00 to 07:00 in Berlin.
 */
export function developmentPreferences(customers = 200, now = Date.now()): NotificationPreference[] {
  const farms = Array.from({ length: customers }, (_, i): NotificationPreference => {
    const n = i + 1
    const id = `farm-${String(n).padStart(4, '0')}`
    return {
      recipientId: id,
      updatedAt: now,
      channels: [
        'EMAIL',
        ...(n % 3 === 0 ? (['SMS'] as const) : []),
        ...(n % 5 === 0 ? (['PUSH'] as const) : []),
      ],
      email: `${id}@farms.example`,
      phone: n % 3 === 0 ? `+4915100${String(n).padStart(5, '0')}` : null,
      pushDevice: n % 5 === 0 ? `device-${id}` : null,
      quietHours: n % 4 === 0 ? { startMinute: 22 * 60, endMinute: 7 * 60, timeZone: 'Europe/Berlin' } : null,
    }
  })
  return [
    ...farms,
    {
      recipientId: STOCK_OPERATOR,
      updatedAt: now,
      channels: ['EMAIL'],
      email: 'warehouse@oxagry.example',
      phone: null,
      pushDevice: null,
      quietHours: null,
    },
  ]
}

async function writePreferences(
  context: PlatformContext,
  topic: string,
  serdes: NotificationsSerdes,
  preferences: readonly NotificationPreference[],
): Promise<void> {
  const producer = await context.backend.producer({ clientId: context.group('notification-preferences') })
  try {
    const records = []
    for (const p of preferences)
      records.push({
        topic,
        key: Buffer.from(p.recipientId),
        value: await serdes.preference.serialize(topic, p, {}),
        timestamp: p.updatedAt,
        headers: {},
      })
    await producer.send(records)
  } finally {
    await producer.close()
  }
}

/**
 * Notifications: order, booking and low-stock events rendered per recipient and channel into the
 * outbox, sent once by the channel worker through the simulated provider, and a customer's
 * notifications as a live view served by the commerce API.
 */
export function notificationsModule(): DomainModule {
  return {
    name: 'notifications',
    topics: Object.values(NOTIFICATIONS),
    async start(context: PlatformContext): Promise<StartedModule> {
      const { config, registry, backend, logger } = context
      const closers = new Closers(logger)
      const topics = Object.fromEntries(
        Object.entries(NOTIFICATIONS).map(([k, spec]) => [k, context.topic(spec)]),
      ) as unknown as NotificationsTopics
      const runsWorker = context.runs('notification-channels')
      if (!context.runs('notifications') && !runsWorker && !context.runs('api'))
        return { applications: {}, sinks: {}, routes: [], close: () => closers.closeAll() }
      try {
        const serdes = await createNotificationsSerdes(registry, topics, { autoRegister: true })
        // Before the application starts, so its global table holds them when the first events come.
        if (context.simulating)
          await writePreferences(context, topics.preferences, serdes, developmentPreferences())
        const applications: Record<string, RunningPart> = {}
        if (context.runs('notifications')) {
          const notifications = await startNotifications({
            backend,
            serdes,
            topics,
            stockRecipients: [STOCK_OPERATOR],
            applicationId: context.group('notifications'),
            processingGuarantee: config.processingGuarantee,
            streams: applicationStreams(context, 'notifications', { commitIntervalMs: 1000 }),
          })
          closers.add(() => notifications.close({ timeoutMs: 20_000 }))
          applications.notifications = notifications.streams
        }
        if (runsWorker) {
          const sentLog = join(config.stateDir, 'notification-provider', 'sent.jsonl')
          const channel = await SimulatedChannel.open({ logPath: sentLog })
          closers.add(() => channel.close())
          context.describe('notificationProvider', `simulated (sent log ${sentLog})`)
          const worker = await startChannelWorker({
            backend,
            channel,
            serdes,
            topics,
            groupId: context.group('notification-channels'),
            processingGuarantee: config.processingGuarantee,
            logger: logger.child({ component: 'notification-channels' }),
            metricsRegistry: context.metrics,
          })
          closers.add(() => worker.stop())
          applications['notification-channels'] = worker
        }
        if (!context.runs('api'))
          return { applications, sinks: {}, routes: [], close: () => closers.closeAll() }
        const view = new MemoryNotificationView()
        const outbox = await context.follow(topics.outbox, async (bytes) =>
          view.applyNotification(await serdes.notification.deserialize(topics.outbox, bytes, {})),
        )
        closers.add(() => outbox.stop())
        const deliveries = await context.follow(topics.deliveries, async (bytes) =>
          view.applyDelivery(await serdes.delivery.deserialize(topics.deliveries, bytes, {})),
        )
        closers.add(() => deliveries.stop())
        return {
          applications,
          sinks: {},
          routes: [{ kind: 'notification-views', notifications: view }],
          notReady: () =>
            outbox.loaded() && deliveries.loaded() ? undefined : 'the notifications view is loading',
          close: () => closers.closeAll(),
        }
      } catch (error) {
        await closers.closeAll()
        throw error
      }
    },
  }
}
