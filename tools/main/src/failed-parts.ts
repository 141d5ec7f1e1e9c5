import { StreamsState, type Failing } from '@oxagry/streams'
import type { PlatformHealth } from './module.ts'

/**
 * The platform as one instance for `exitOnError`: it goes to ERROR once any of its applications, workers
 * or sinks is no longer live (failed for good), so `npm start` ends with 1 for its supervisor to start it
 * again, as each service does on its own. Health is looked at every `intervalMs`.
 */
export function platformFailures(
  platform: { health(): PlatformHealth },
  intervalMs = 1000,
): Failing & { stop(): void } {
  const listeners: ((next: StreamsState, previous: StreamsState) => void)[] = []
  let state: StreamsState = StreamsState.RUNNING
  let error: { code: string; message: string } | undefined
  const check = (): void => {
    const { applications, sinks } = platform.health()
    const failed = [
      ...Object.entries(applications).map(([name, h]) => [name, h] as const),
      ...Object.entries(sinks).map(([name, h]) => [`sink ${name}`, h] as const),
    ].filter(([, h]) => !h.live)
    if (failed.length === 0) return
    clearInterval(timer)
    error = {
      code: 'OXA_PLATFORM_PART_FAILED',
      message: failed.map(([name, h]) => `${name} failed (${h.state})`).join(', '),
    }
    state = StreamsState.ERROR
    for (const listener of listeners) listener(StreamsState.ERROR, StreamsState.RUNNING)
  }
  const timer = setInterval(check, intervalMs)
  timer.unref()
  return {
    get state() {
      return state
    },
    get error() {
      return error
    },
    onStateChange: (listener) => void listeners.push(listener),
    stop: () => clearInterval(timer),
  }
}
