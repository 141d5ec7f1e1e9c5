import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import {
  storeGetter,
  type Processor,
  type ProcessorContext,
  type ValueTransformerContext,
  type ValueTransformerWithKeySupplier,
} from '../processor/api.ts'
import type { Change } from '../record.ts'
import type { KeyValueStore, StateStore } from '../state/store.ts'
import { forwardingDisabled } from './process-values.ts'
import type { ValueGetter } from './ktable.ts'

/**
 * KTableTransformValues: the transformer gets the new value (null for a delete). Kept in its own store,
 * the old value is the store's; otherwise, when old values are sent, the transformer is called again
 * with the old value, after the new one.
 */
export function tableTransformValues<K, V, VR>(
  node: string,
  supplier: ValueTransformerWithKeySupplier<K, V, VR>,
  storeName: string | undefined,
  sendsOldValues: () => boolean,
): () => Processor<K, Change<V>, K, Change<VR>> {
  return () => {
    const transformer = supplier()
    let ctx: ProcessorContext<K, Change<VR>>
    let store: KeyValueStore<K, VR> | undefined
    return {
      init(context) {
        ctx = context
        transformer.init?.(forwardingDisabled(context as ProcessorContext, node))
        if (storeName !== undefined) store = context.getStateStore<KeyValueStore<K, VR>>(storeName)
      },
      process(record) {
        const newValue = transformer.transform(record.key, record.value.newValue) ?? null
        let oldValue: VR | null = null
        if (store !== undefined) {
          if (sendsOldValues()) oldValue = store.get(record.key) ?? null
          store.putWithTimestamp(record.key, newValue, record.timestamp)
        } else if (sendsOldValues()) {
          oldValue = transformer.transform(record.key, record.value.oldValue) ?? null
        }
        ctx.forward({ ...record, value: { newValue, oldValue } })
      },
      close() {
        transformer.close?.()
      },
    }
  }
}

/**
 * Reads a transformed table that has no store: the parent's value through a transformer of the
 * getter's own (as KTableTransformValuesGetter), which may read the stores it was connected to.
 */
export function transformValuesGetter<K, V, VR>(
  node: string,
  parent: ValueGetter<K, V>,
  supplier: ValueTransformerWithKeySupplier<K, V, VR>,
  storeNames: readonly string[],
): ValueGetter<K, VR> {
  return {
    storeNames: [...parent.storeNames, ...storeNames],
    bind: (stores) => {
      const lookup = parent.bind(stores)
      const transformer = supplier()
      const refuse = (what: string) => (): never => {
        throw new StreamsError(
          STREAMS_ERROR_CODES.STATE,
          `the value transformer of ${node}, read through a join's value getter, cannot ${what}`,
          { context: { node } },
        )
      }
      const context: ValueTransformerContext = {
        applicationId: '',
        taskId: '',
        getStateStore: storeGetter((name) => stores(name) as unknown as StateStore),
        schedule: refuse('schedule'),
        recordMetadata: () => undefined,
        currentStreamTimeMs: refuse('read stream time'),
        currentSystemTimeMs: () => Date.now(),
        commit: refuse('commit'),
        recordDropped: () => undefined,
      }
      transformer.init?.(context)
      return (key) => {
        const found = lookup(key)
        const value = transformer.transform(key, found === null ? null : found.value) ?? null
        return value === null ? null : { value, timestamp: found?.timestamp ?? -1 }
      }
    },
  }
}
