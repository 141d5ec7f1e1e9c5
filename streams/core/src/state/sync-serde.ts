import { STREAMS_ERROR_CODES, StreamsError } from '../errors.ts'
import type { MaybePromise, Serde } from '@oxagry/kafka'

const NO_HEADERS = {}

/** Stores and the test driver need answers now: a serde that returns a promise here is a mistake. */
export function syncResult<T>(result: MaybePromise<T>, where: string): T {
  if (result instanceof Promise) {
    throw new StreamsError(
      STREAMS_ERROR_CODES.ASYNC_SERDE,
      `${where}: the serde answered with a promise; warm it up before use (schemas registered or fetched) so it answers synchronously`,
    )
  }
  return result
}

export function serializeSync<T>(serde: Serde<T>, topic: string, value: T, where: string): Buffer {
  return syncResult(serde.serialize(topic, value, NO_HEADERS), where)
}

export function deserializeSync<T>(serde: Serde<T>, topic: string, bytes: Buffer, where: string): T {
  return syncResult(serde.deserialize(topic, bytes, NO_HEADERS), where)
}
