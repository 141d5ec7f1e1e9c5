import type { Product } from '@oxagry/avro'
import {
  PunctuationType,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  type StreamRecord,
} from '@oxagry/streams'
import { nextDeadline } from './decision.ts'
import type { OrderRecord } from './order.ts'
import type { ResolvedOrdersOptions } from './options.ts'
import { ORDER_STORE, ORDERS_STORES } from './stores.ts'
import { applyDeadline, applyInput, type OrderInput, type OrderOutput, type Step } from './transitions.ts'

/** Counts what the processor decided and ignored; the service wires them to prom-client. */
export interface OrdersCounters {
  placed(): void
  decided(outcome: 'CONFIRMED' | 'CANCELLED', reason: string | null): void
  ignored(why: string): void
}

/**
 * The order processor: one task per order partition, its orders in a store. Inputs go through the
 * pure transitions; deadlines are looked at on the wall clock from an in-memory index of undecided
 * orders, built from the store when the task starts (the store is the truth; the index only saves a
 * scan per tick).
 */
export function orderProcessor(
  options: ResolvedOrdersOptions,
  counters: OrdersCounters,
): () => Processor<string, OrderInput | null, string, OrderOutput> {
  return () => {
    let ctx: ProcessorContext<string, OrderOutput>
    let orders: KeyValueStore<string, OrderRecord>
    let products: KeyValueStore<string, Product>
    let deadlines: Map<string, number> | undefined
    const product = (id: string): Product | undefined => products.get(id)

    const track = (order: OrderRecord): void => {
      if (deadlines === undefined) return
      const next = nextDeadline(order)
      if (next === undefined) deadlines.delete(order.orderId)
      else deadlines.set(order.orderId, next)
    }
    const commit = (key: string, step: Step, timestamp: number): void => {
      if (step.ignored !== undefined) {
        counters.ignored(step.ignored)
        ctx.recordDropped(`${step.ignored} (order ${key})`)
      }
      if (step.order !== undefined) {
        orders.put(key, step.order)
        track(step.order)
      }
      if (step.decided !== undefined) counters.decided(step.decided, step.order?.cancellationReason ?? null)
      for (const out of step.outputs)
        ctx.forward({ key: out.kind === 'stock' ? out.key : key, value: out, timestamp, headers: {} })
    }
    const stepContext = (at: number) => ({
      at,
      now: ctx.currentSystemTimeMs(),
      timeouts: options.timeouts,
      product,
    })

    return {
      init(c) {
        ctx = c
        orders = c.getStateStore(ORDER_STORE)
        products = c.getStateStore(ORDERS_STORES.products)
        c.schedule(options.timeouts.punctuateEveryMs, PunctuationType.WALL_CLOCK_TIME, (now) => {
          if (deadlines === undefined) {
            deadlines = new Map()
            for (const { value } of orders.all()) track(value)
          }
          for (const [orderId, at] of deadlines) {
            if (at > now) continue
            const order = orders.get(orderId)
            if (order === undefined) {
              deadlines.delete(orderId)
              continue
            }
            commit(orderId, applyDeadline(order, { ...stepContext(now), now }), now)
            if (deadlines.get(orderId) === at) deadlines.delete(orderId)
          }
        })
      },
      process(record: StreamRecord<string, OrderInput | null>) {
        if (record.value === null) {
          counters.ignored('tombstone')
          ctx.recordDropped('a null value (tombstone) where an order record belongs')
          return
        }
        const before = orders.get(record.key)
        const step = applyInput(before, record.value, stepContext(record.timestamp))
        if (before?.placed === undefined && step.order?.placed !== undefined) counters.placed()
        commit(record.key, step, record.timestamp)
      },
    }
  }
}
