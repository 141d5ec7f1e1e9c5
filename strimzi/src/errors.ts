/** Error codes of the Strimzi manifests package. */
export const STRIMZI_ERROR_CODES = {
  /** A Strimzi CRD is not where the package keeps it (`strimzi/crds/`). */
  CRD_MISSING: 'OXA_STRIMZI_CRD_MISSING',
  /** A manifest does not satisfy the KafkaTopic CRD schema or our stricter rules. */
  INVALID_MANIFEST: 'OXA_STRIMZI_INVALID_MANIFEST',
} as const

export type StrimziErrorCode = (typeof STRIMZI_ERROR_CODES)[keyof typeof STRIMZI_ERROR_CODES]

export class StrimziError extends Error {
  readonly code: StrimziErrorCode
  /** Never: a missing CRD or an invalid manifest stays so until someone fixes it. */
  readonly retriable = false
  readonly context: { readonly file?: string }

  constructor(code: StrimziErrorCode, message: string, options: { cause?: unknown; file?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'StrimziError'
    this.code = code
    this.context = options.file === undefined ? {} : { file: options.file }
  }
}
