/** Error codes of the simulator. */
export const SIM_ERROR_CODES = {
  /** Options given to createFleet or a sink are invalid; the message names the path. */
  INVALID_OPTIONS: 'OXA_SIM_INVALID_OPTIONS',
  /** A command-line flag is unknown or its value invalid. */
  INVALID_FLAG: 'OXA_SIM_INVALID_FLAG',
  /** A ping or geofence could not be written to its topic. */
  SINK_FAILED: 'OXA_SIM_SINK_FAILED',
} as const

export type SimErrorCode = (typeof SIM_ERROR_CODES)[keyof typeof SIM_ERROR_CODES]

export interface SimErrorContext {
  /** JSON pointer of the option or the flag at fault. */
  readonly path?: string
  readonly topic?: string
}

export class SimError extends Error {
  readonly code: SimErrorCode
  /** Whether trying again may help: only a sink failure (the broker was away) may. */
  readonly retriable: boolean
  readonly context: SimErrorContext

  constructor(
    code: SimErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; context?: SimErrorContext } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SimError'
    this.code = code
    this.retriable = options.retriable ?? false
    this.context = options.context ?? {}
  }
}
