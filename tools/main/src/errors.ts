/** Error codes of the main job (`npm start`). */
export const MAIN_ERROR_CODES = {
  /** The port the API should listen on is taken, or not ours to take. */
  PORT_UNAVAILABLE: 'OXA_MAIN_PORT_UNAVAILABLE',
  /** The configured Kafka does not answer. */
  KAFKA_UNREACHABLE: 'OXA_MAIN_KAFKA_UNREACHABLE',
} as const

export type MainErrorCode = (typeof MAIN_ERROR_CODES)[keyof typeof MAIN_ERROR_CODES]

/** What stops the main job from starting, said so that whoever started it knows what to change. */
export class MainError extends Error {
  readonly code: MainErrorCode
  /** Whether starting again later can help (a broker still starting), not a setting to change. */
  readonly retriable: boolean

  constructor(code: MainErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'MainError'
    this.code = code
    this.retriable = options.retriable ?? false
  }
}
