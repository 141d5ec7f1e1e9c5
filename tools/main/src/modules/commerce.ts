import { join } from 'node:path'
import { claimProcessId } from '@oxagry/kafka'
import { createInventorySerdes, startInventory } from '@oxagry/inventory'
import { createOrdersSerdes, startOrders } from '@oxagry/orders'
import {
  createPaymentsSerdes,
  type PaymentGateway,
  type PaymentsSerdes,
  type PaymentsTopics,
  SimulatedProvider,
  startPayments,
  startPaymentGateway,
  WebhookDeliverer,
} from '@oxagry/payments'
import { createMarket, createMarketSink, nextLife, type Market, type MarketSink } from '@oxagry/simulator'
import {
  COMMERCE,
  commerceTopicNames,
  inventoryTopicsOf,
  marketTopicsOf,
  ordersTopicsOf,
  paymentsTopicsOf,
} from '../commerce/topics.ts'
import { SIMULATED_PROVIDER } from '../commerce-api.ts'
import {
  applicationStreams,
  Closers,
  type DomainModule,
  type PlatformContext,
  type RunningPart,
  type StartedModule,
} from '../module.ts'

/**
 * The commerce flow: checkouts (the simulated market) → the orders application, which asks the
 * inventory and payments applications and decides each order → order events and statuses.
 */
export function commerceModule(): DomainModule {
  return {
    name: 'commerce',
    topics: Object.values(COMMERCE),
    async start(context: PlatformContext): Promise<StartedModule> {
      const { config, backend, registry, logger } = context
      const closers = new Closers(logger)
      const names = commerceTopicNames(context.topic)
      const ordersTopics = ordersTopicsOf(names)
      // Kafka Streams' commit interval (100 ms exactly-once): every hop of an order waits for the
      // commit before it, so a longer one is paid several times over in the time to a decision.
      const streams = (name: string) => applicationStreams(context, name)
      try {
        const applications: Record<string, RunningPart> = {}
        if (context.runs('orders')) {
          const orders = await startOrders({
            backend,
            serdes: await createOrdersSerdes(registry, ordersTopics, { autoRegister: true }),
            topics: ordersTopics,
            applicationId: context.group('orders'),
            processingGuarantee: config.processingGuarantee,
            streams: streams('orders'),
          })
          closers.add(() => orders.close({ timeoutMs: 20_000 }))
          applications.orders = orders.streams
        }
        if (context.runs('inventory')) {
          const inventoryTopics = inventoryTopicsOf(names)
          const inventory = await startInventory({
            backend,
            serdes: await createInventorySerdes(registry, inventoryTopics, { autoRegister: true }),
            topics: inventoryTopics,
            applicationId: context.group('inventory'),
            processingGuarantee: config.processingGuarantee,
            streams: streams('inventory'),
          })
          closers.add(() => inventory.close({ timeoutMs: 20_000 }))
          applications.inventory = inventory.streams
        }
        const paymentsTopics = paymentsTopicsOf(names)
        const paymentsSerdes =
          context.runs('payments') || context.runs('payment-gateway')
            ? await createPaymentsSerdes(registry, paymentsTopics, { autoRegister: true })
            : undefined
        if (paymentsSerdes !== undefined && context.runs('payments')) {
          const payments = await startPayments({
            backend,
            serdes: paymentsSerdes,
            topics: paymentsTopics,
            applicationId: context.group('payments'),
            processingGuarantee: config.processingGuarantee,
            streams: streams('payments'),
          })
          closers.add(() => payments.close({ timeoutMs: 20_000 }))
          applications.payments = payments.streams
        }
        if (paymentsSerdes !== undefined && context.runs('payment-gateway'))
          applications['payment-gateway'] = await startGateway(
            context,
            closers,
            paymentsSerdes,
            paymentsTopics,
          )
        return {
          applications,
          sinks: {},
          routes: [],
          ...(context.simulating
            ? {
                startTraffic: () => startMarket(context, marketTopicsOf(names)),
              }
            : {}),
          close: () => closers.closeAll(),
        }
      } catch (error) {
        await closers.closeAll()
        throw error
      }
    },
  }
}

/**
 * The payment gateway worker on the simulated provider, which keeps its own books beside the platform's
 * state: the ledger the platform's payments are checked against. Its pending outcomes come back by
 * webhook to the API of this process, so without the API here the provider decides every payment at once.
 */
async function startGateway(
  context: PlatformContext,
  closers: Closers,
  serdes: PaymentsSerdes,
  topics: PaymentsTopics,
): Promise<PaymentGateway> {
  const { config, backend, logger } = context
  const ledgerPath = join(config.stateDir, 'payment-provider', 'ledger.jsonl')
  const webhookSecret = context.runs('api') ? config.payments.webhookSecret : undefined
  const pendingRate = webhookSecret === undefined ? 0 : config.payments.pendingRate
  const provider = await SimulatedProvider.open({
    ledgerPath,
    seed: config.simulator.seed,
    pendingRate,
    ...(config.simulator.declineRate === undefined ? {} : { declineRate: config.simulator.declineRate }),
  })
  closers.add(() => provider.close())
  context.describe(
    'paymentProvider',
    `simulated (ledger ${ledgerPath}; ${pendingRate * 100}% of authorisations pending, decided by webhook)`,
  )
  if (webhookSecret !== undefined) {
    // As a real provider would: its pending outcomes come back over HTTP, signed, to the
    // commerce API's webhook route, once the API listens.
    const deliverer = new WebhookDeliverer({
      provider,
      secret: webhookSecret,
      url: () => {
        const base = context.apiUrl()
        return base === undefined ? undefined : `${base}/api/v1/payments/webhooks/${SIMULATED_PROVIDER}`
      },
      logger: logger.child({ component: 'payment-provider' }),
    })
    deliverer.start()
    closers.add(() => deliverer.stop())
  }
  const gateway = await startPaymentGateway({
    backend,
    provider,
    serdes,
    topics,
    groupId: context.group('payment-gateway'),
    // Kept across restarts in the state directory: a restart aborts what a crash left open at once.
    instanceId: claimProcessId(join(config.stateDir, context.group('payment-gateway')), logger),
    processingGuarantee: config.processingGuarantee,
    logger: logger.child({ component: 'payment-gateway' }),
    metricsRegistry: context.metrics,
  })
  closers.add(() => gateway.stop())
  return gateway
}

/** The simulated market, writing the catalogue, receipts, checkouts and follow-ups until stopped. */
async function startMarket(
  context: PlatformContext,
  topics: { product: string; stock: string; order: string; command: string },
): Promise<() => Promise<void>> {
  const { simulator } = context.config
  const sink: MarketSink = await createMarketSink({
    backend: context.backend,
    registry: context.registry,
    topics,
    autoRegister: true,
  })
  const life = nextLife(join(context.config.stateDir, 'simulator', 'market-life'))
  const market: Market = createMarket({ seed: simulator.seed, life, ordersPerSecond: simulator.orderRate })
  await sink.send(market.opening(Date.now()))
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      await sink.send(market.tick(Date.now()))
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  })().catch((error: unknown) => context.logger.error({ err: error }, 'market simulator stopped'))
  context.describe('market', `${simulator.orderRate} checkouts/s, seed ${simulator.seed}, life ${life}`)
  return async () => {
    stopped = true
    await loop
    await sink.close()
  }
}
