import {
  errorCode as codeOf,
  errorMessage as messageOf,
  errorRetriable as isRetriable,
  startTransactionalWorker,
  WorkerState,
  type BrokerRecord,
  type RecordHandler,
} from '@oxagry/kafka'
import type { Notification } from '@oxagry/avro'
import { trace } from '@opentelemetry/api'
import { pino, type Logger } from 'pino'
import { Registry } from 'prom-client'
import { NOTIFICATIONS_ERROR_CODES, NotificationsError } from './errors.ts'
import { WorkerMetrics } from './worker-metrics.ts'
import {
  resolveWorkerOptions,
  type ChannelWorker,
  type ChannelWorkerOptions,
  type ResolvedWorkerOptions,
} from './worker-options.ts'
import { deliveryOf, deliveryRecord, notificationDeadLetter } from './worker-records.ts'

const tracer = trace.getTracer('@oxagry/notifications')

/**
 * The channel worker's own part of the transactional worker: a notification decoded, sent through the
 * channel provider, and its delivery outcome (with a dead letter when it failed). The worker sends each
 * in a span of the step's trace, so the outcome built here carries it.
 */
function notificationHandler(
  options: ChannelWorkerOptions,
  config: ResolvedWorkerOptions,
  metrics: WorkerMetrics,
  logger: Logger,
): RecordHandler<Notification> {
  const { serdes } = options
  const now = options.now ?? Date.now
  return {
    async decode(record: BrokerRecord) {
      if (record.value === null)
        throw new NotificationsError(
          NOTIFICATIONS_ERROR_CODES.NOTIFICATION_UNREADABLE,
          'a null value (tombstone) is no notification',
        )
      return serdes.notification.deserialize(record.topic, record.value, record.headers)
    },

    async poison(record, error) {
      metrics.notifications.inc({ result: 'unreadable' })
      const code = codeOf(error)
      return [
        await notificationDeadLetter(serdes, config, record, {
          stage: 'DESERIALIZATION',
          code: code === 'OXA_UNKNOWN' ? NOTIFICATIONS_ERROR_CODES.NOTIFICATION_UNREADABLE : code,
          message: messageOf(error),
          at: record.timestamp,
        }),
      ]
    },

    async handle(notification, record, step) {
      const { channel, notificationId } = notification
      const message = {
        idempotencyKey: notificationId,
        channel,
        address: notification.address,
        subject: notification.subject,
        body: notification.body,
      }
      const result = await step.call({
        attempt: () => options.channel.send(message),
        unavailableError: (reason) =>
          new NotificationsError(NOTIFICATIONS_ERROR_CODES.CHANNEL_UNAVAILABLE, reason, {
            retriable: true,
            context: { notificationId },
          }),
        observe: (outcome, seconds) => {
          metrics.sends.inc({ channel, outcome })
          metrics.sendDuration.observe({ channel }, seconds)
        },
        retrying: () => metrics.retries.inc({ channel }),
        describe: { notificationId, channel },
      })
      if (result.kind === 'stopped') return 'stopped'
      const { delivery, failure } = deliveryOf(notification, result, now)
      if (failure === undefined) metrics.notifications.inc({ result: 'sent' })
      else {
        step.emit(await notificationDeadLetter(serdes, config, record, failure))
        metrics.notifications.inc({ result: 'failed' })
        logger.warn(
          { notificationId, channel, reason: delivery.reason },
          'notification failed: dead-lettered',
        )
      }
      step.emit(await deliveryRecord(serdes, config, delivery))
      return 'done'
    },
  }
}

/**
 * Starts the channel worker: consumes the outbox in its own group and sends each notification through
 * the channel provider (the notification id its idempotency key), retrying a failing provider with
 * capped exponential back-off up to `retry.attempts` calls; then, or when the provider refuses, the
 * notification is dead-lettered with the reason. Each outcome goes to the deliveries topic, committed
 * with the notification's offset (one transaction per batch under exactly_once). A crash before the
 * commit sends the batch again under the same keys: the provider answers those it took as before, so
 * nobody gets a message twice. The loop is `@oxagry/kafka`'s transactional worker.
 */
export async function startChannelWorker(options: ChannelWorkerOptions): Promise<ChannelWorker> {
  const config = resolveWorkerOptions(options)
  const metrics = new WorkerMetrics(options.metricsRegistry ?? new Registry())
  const logger = (options.logger ?? pino({ name: 'oxagry-notification-channels' })).child({
    worker: config.groupId,
  })
  try {
    const worker = await startTransactionalWorker({
      backend: options.backend,
      topic: config.topics.outbox,
      settings: config,
      handler: notificationHandler(options, config, metrics, logger),
      logger,
      name: 'channel worker',
      tracer,
      onState: (state) => metrics.up.set(state === WorkerState.RUNNING ? 1 : 0),
    })
    return {
      metrics,
      closed: worker.closed,
      health: () => worker.health(),
      stop: () => worker.stop(),
    }
  } catch (error) {
    throw new NotificationsError(
      NOTIFICATIONS_ERROR_CODES.WORKER_FAILED,
      `starting the channel worker: ${messageOf(error)}`,
      { cause: error, retriable: isRetriable(error) },
    )
  }
}
