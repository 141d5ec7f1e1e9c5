import {
  errorMessage as messageOf,
  errorRetriable as isRetriable,
  startTransactionalWorker,
  type BrokerRecord,
  type RecordHandler,
} from '@oxagry/kafka'
import type { PaymentCommand } from '@oxagry/avro'
import { trace } from '@opentelemetry/api'
import { pino, type Logger } from 'pino'
import { Registry } from 'prom-client'
import { callOf, invoke, outcomeEvent, pendingNote, requestedEvent } from './commands.ts'
import { PAYMENTS_ERROR_CODES, PaymentsError } from './errors.ts'
import { GatewayMetrics } from './gateway-metrics.ts'
import { commandDeadLetter, eventRecord, noteRecord } from './gateway-records.ts'
import {
  GatewayState,
  resolveGatewayOptions,
  type GatewayOptions,
  type PaymentGateway,
  type ResolvedGatewayOptions,
} from './gateway-options.ts'

const tracer = trace.getTracer('@oxagry/payments')

/**
 * The gateway's own part of the transactional worker: a command decoded, Requested (authorisations),
 * the provider called, the outcome (or the note that it comes by webhook). The worker runs each
 * command in a span of the payments application's trace, so the records built here carry it.
 */
function commandHandler(
  options: GatewayOptions,
  config: ResolvedGatewayOptions,
  metrics: GatewayMetrics,
  logger: Logger,
): RecordHandler<PaymentCommand> {
  const { serdes } = options
  return {
    async decode(record: BrokerRecord) {
      if (record.value === null)
        throw new PaymentsError(
          PAYMENTS_ERROR_CODES.COMMAND_UNREADABLE,
          'a null value (tombstone) is no command',
        )
      const command = await serdes.paymentCommand.deserialize(record.topic, record.value, record.headers)
      callOf(command)
      return command
    },

    async poison(record, error) {
      metrics.commands.inc({ result: 'dead_lettered' })
      return [await commandDeadLetter(serdes, config, record, error)]
    },

    async handle(command, _record, step) {
      const requested = requestedEvent(command)
      if (requested !== undefined) {
        step.emit(await eventRecord(serdes, config, requested))
        metrics.events.inc({ step: 'PaymentRequested' })
      }
      const call = callOf(command)
      const { operation } = call
      const result = await step.call({
        attempt: () => invoke(options.provider, call),
        unavailableError: (message) =>
          new PaymentsError(PAYMENTS_ERROR_CODES.PROVIDER_UNAVAILABLE, message, {
            retriable: true,
            context: { paymentId: command.paymentId },
          }),
        observe: (outcome, seconds) => {
          metrics.calls.inc({ operation, outcome })
          metrics.callDuration.observe({ operation }, seconds)
        },
        retrying: () => metrics.retries.inc({ operation }),
        describe: { operation, paymentId: command.paymentId },
      })
      // The gateway retries until the provider answers: a call ends answered or stopped.
      if (result.kind !== 'answered') return 'stopped'
      const outcome = result.answer
      if (outcome.status === 'pending') {
        // No outcome now: the provider reports it by webhook, and the payments application writes it
        // from this note, with the event id this path would have used.
        step.emit(await noteRecord(serdes, config, pendingNote(command, outcome)))
        metrics.events.inc({ step: 'PaymentPending' })
        metrics.commands.inc({ result: 'pending' })
        logger.debug(
          { orderId: command.orderId, paymentId: command.paymentId, reference: outcome.reference },
          'command pending: the outcome comes by webhook',
        )
        return 'done'
      }
      const event = outcomeEvent(command, outcome)
      step.emit(await eventRecord(serdes, config, event))
      const name = Object.keys(event.payload)[0]?.split('.').pop() ?? 'unknown'
      metrics.events.inc({ step: name })
      const moved = Object.values(event.payload)[0] as { amountMinor?: number; currency?: string } | undefined
      if (name !== 'PaymentAuthorised' && moved?.amountMinor !== undefined && moved.currency !== undefined)
        metrics.amounts.inc({ step: name, currency: moved.currency }, moved.amountMinor)
      metrics.commands.inc({ result: 'done' })
      logger.debug(
        { orderId: command.orderId, paymentId: command.paymentId, outcome: outcome.status },
        'command done',
      )
      return 'done'
    },
  }
}

/**
 * Starts the payment gateway worker: consumes the payment commands in its own group, and for each
 * writes `PaymentRequested` (authorisations), calls the provider (the payment id its idempotency key;
 * an outage retried with capped exponential back-off while the partition waits), and writes the
 * outcome to the payment events keyed by order, committing the command's offset with it (in the
 * worker's transaction under exactly_once, committed every `commitIntervalMs`). Event ids derive from the command id and the step, so a
 * redelivered command writes the same events. The loop is `@oxagry/kafka`'s transactional worker.
 */
export async function startPaymentGateway(options: GatewayOptions): Promise<PaymentGateway> {
  const config = resolveGatewayOptions(options)
  const metrics = new GatewayMetrics(options.metricsRegistry ?? new Registry())
  const logger = (options.logger ?? pino({ name: 'oxagry-payment-gateway' })).child({
    gateway: config.groupId,
  })
  try {
    const worker = await startTransactionalWorker({
      backend: options.backend,
      topic: config.topics.paymentCommands,
      settings: config,
      handler: commandHandler(options, config, metrics, logger),
      logger,
      name: 'gateway',
      tracer,
      onState: (state) => metrics.up.set(state === GatewayState.RUNNING ? 1 : 0),
    })
    return {
      metrics,
      closed: worker.closed,
      health: () => worker.health(),
      stop: () => worker.stop(),
    }
  } catch (error) {
    throw new PaymentsError(
      PAYMENTS_ERROR_CODES.GATEWAY_FAILED,
      `starting the gateway: ${messageOf(error)}`,
      {
        cause: error,
        retriable: isRetriable(error),
      },
    )
  }
}
