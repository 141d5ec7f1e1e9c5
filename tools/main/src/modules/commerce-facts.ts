import { Contracts, createAvroSerde } from '@oxagry/avro'
import {
  clickHouseCommerceTarget,
  decodeCommerceFacts,
  type CommerceFactTopics,
  type CommerceFactWrite,
} from '@oxagry/clickhouse'
import { runSink } from '@oxagry/sink'
import { COMMERCE_FACTS_SINK } from '../commerce/sinks.ts'
import { COMMERCE, commerceTopicNames } from '../commerce/topics.ts'
import { Closers, type DomainModule, type PlatformContext, type StartedModule } from '../module.ts'

/** The topics the commerce facts read, from the commerce module's names. */
export const COMMERCE_FACT_TOPICS = COMMERCE_FACTS_SINK.topics.map((key) => COMMERCE[key])

/**
 * The analysts' commerce facts: order events and lines, order status, payment events, stock movements
 * and the products dimension into ClickHouse, through one sink (commit after the insert, dead letters
 * to the orders' dead-letter topic). The views over them are created by the same DDL on start.
 */
export function commerceFactsModule(): DomainModule {
  return {
    name: 'commerce-facts',
    topics: [...COMMERCE_FACT_TOPICS, COMMERCE[COMMERCE_FACTS_SINK.deadLetters]],
    async start(context: PlatformContext): Promise<StartedModule> {
      const { registry, logger } = context
      const closers = new Closers(logger)
      if (!context.runs('sink-clickhouse-commerce'))
        return { applications: {}, sinks: {}, routes: [], close: () => closers.closeAll() }
      const names = commerceTopicNames(context.topic)
      const topics: CommerceFactTopics = {
        orderEvents: names.orderEvents,
        orderStatus: names.orderStatus,
        paymentEvents: names.paymentEvents,
        stockEvents: names.stockEvents,
        products: names.products,
      }
      try {
        const [orderEvents, orderStatus, paymentEvents, stockEvents, products, deadLetters] =
          await Promise.all([
            createAvroSerde({ registry, contract: Contracts.OrderEvent }),
            createAvroSerde({ registry, contract: Contracts.OrderStatus }),
            createAvroSerde({ registry, contract: Contracts.PaymentEvent }),
            createAvroSerde({ registry, contract: Contracts.StockEvent }),
            createAvroSerde({ registry, contract: Contracts.Product }),
            createAvroSerde({
              registry,
              contract: Contracts.DeadLetter,
              autoRegister: true,
              topics: [names[COMMERCE_FACTS_SINK.deadLetters]],
            }),
          ])
        const sink = await runSink<CommerceFactWrite>({
          ...context.sinks,
          groupId: context.group(COMMERCE_FACTS_SINK.group),
          topics: COMMERCE_FACTS_SINK.topics.map((key) => names[key]),
          decode: decodeCommerceFacts(topics, {
            orderEvents,
            orderStatus,
            paymentEvents,
            stockEvents,
            products,
          }),
          target: clickHouseCommerceTarget(context.clickhouse),
          deadLetter: { topic: names[COMMERCE_FACTS_SINK.deadLetters], serializer: deadLetters },
        })
        closers.add(() => sink.stop())
        context.describe('commerceFacts', "ClickHouse (order, payment and stock facts; analysts' views)")
        return {
          applications: {},
          sinks: { 'clickhouse-commerce': sink },
          routes: [],
          close: () => closers.closeAll(),
        }
      } catch (error) {
        await closers.closeAll()
        throw error
      }
    },
  }
}
