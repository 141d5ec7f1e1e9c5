import { ApiOptionsError, positiveIntegers } from '@oxagry/api-http'
import type { HubOptions } from './live/hub.ts'

/** The live feed's defaults: a dashboard or the map never comes near the message rate. */
export const DEFAULT_HUB_OPTIONS: HubOptions = {
  flushIntervalMs: 100,
  highWaterMarkBytes: 256 * 1024,
  maxQueuedBytes: 1024 * 1024,
  messagesPerSecond: 10,
  messageBurst: 20,
  heartbeatIntervalMs: 15_000,
}

/** The live feed's options with their defaults, checked once. */
export function resolveHubOptions(given: Partial<HubOptions> = {}): HubOptions {
  const options = { ...DEFAULT_HUB_OPTIONS, ...given }
  const problems = positiveIntegers('live', options)
  if (options.maxQueuedBytes < options.highWaterMarkBytes)
    problems.push('live.maxQueuedBytes must not be below live.highWaterMarkBytes')
  if (problems.length > 0) throw new ApiOptionsError(problems)
  return options
}
