import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import type {
  FixedKeyProcessorContext,
  FixedKeyProcessorSupplier,
  FixedKeyRecord,
  ProcessorContext,
  ProcessorSupplier,
  ValueTransformerContext,
} from '../processor/api.ts'
import type { Change, StreamRecord } from '../record.ts'
import { keyId } from '../state/store.ts'

/**
 * Runs a fixed-key processor as a processor: its records keep the key of the record being processed.
 * The types hold that already; a record forwarded with another key (built by hand and cast) fails here,
 * since the stream downstream is known to need no repartition.
 */
export function fixedKeyProcessor<K, V, VR>(
  node: string,
  supplier: FixedKeyProcessorSupplier<K, V, VR>,
): ProcessorSupplier<K, V, K, VR> {
  return () => {
    const inner = supplier()
    let current: StreamRecord<K, V> | undefined
    return {
      init(context: ProcessorContext<K, VR>) {
        const fixed: FixedKeyProcessorContext<K, VR> = {
          ...context,
          forward<V2 extends VR>(record: FixedKeyRecord<K, V2>, childName?: string): void {
            if (current !== undefined && keyId(record.key) !== keyId(current.key)) {
              throw new StreamsError(
                STREAMS_ERROR_CODES.PROCESSING,
                `processValues processor ${node} forwarded a record with another key than the one it is processing`,
                { context: { node } },
              )
            }
            context.forward(record, childName)
          },
        }
        inner.init?.(fixed)
      },
      process(record) {
        current = record
        try {
          inner.process(record as FixedKeyRecord<K, V>)
        } finally {
          current = undefined
        }
      },
      close() {
        inner.close?.()
      },
    }
  }
}

/** The context a value transformer gets: a processor's, with forwarding refused. */
export function forwardingDisabled(context: ProcessorContext, node: string): ValueTransformerContext {
  const { forward: _forward, ...rest } = context
  return {
    ...rest,
    forward(): never {
      throw new StreamsError(
        STREAMS_ERROR_CODES.PROCESSING,
        `the value transformer of ${node} may not forward: its result is what transform returns`,
        { context: { node } },
      )
    },
  } as ValueTransformerContext
}

export type { Change }
