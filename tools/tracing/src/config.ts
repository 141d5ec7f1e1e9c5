import { TRACING_ERROR_CODES, TracingError } from './errors.ts'

/**
 * What the standard OpenTelemetry variables ask of this process: off, or OTLP over HTTP to the
 * endpoint. The exporter itself reads the rest of its variables (headers, timeout, compression).
 */
export type TracingConfig =
  | { readonly kind: 'off'; readonly reason: string }
  | { readonly kind: 'otlp'; readonly endpoint: string; readonly serviceName: string }

/** The variables read here; every one is optional. */
export const TRACING_ENV = {
  endpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  tracesEndpoint: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  serviceName: 'OTEL_SERVICE_NAME',
  disabled: 'OTEL_SDK_DISABLED',
  exporter: 'OTEL_TRACES_EXPORTER',
} as const

function url(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = env[name]?.trim()
  if (value === undefined || value === '') return undefined
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    throw new TracingError(TRACING_ERROR_CODES.INVALID_CONFIG, `${name} must be a URL, got ${value}`, name)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new TracingError(
      TRACING_ERROR_CODES.INVALID_CONFIG,
      `${name} must be an http or https URL (OTLP over HTTP), got ${value}`,
      name,
    )
  return value
}

/**
 * Reads the tracing variables once, at start. Tracing is on when an OTLP endpoint is set
 * (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`), unless
 * `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`; `OTEL_SERVICE_NAME` overrides the service's
 * own name.
 */
export function readTracingConfig(
  env: Readonly<Record<string, string | undefined>>,
  defaultServiceName: string,
): TracingConfig {
  const traces = url(env, TRACING_ENV.tracesEndpoint)
  const base = url(env, TRACING_ENV.endpoint)
  const exporter = env[TRACING_ENV.exporter]?.trim()
  if (exporter !== undefined && exporter !== '' && exporter !== 'otlp' && exporter !== 'none')
    throw new TracingError(
      TRACING_ERROR_CODES.INVALID_CONFIG,
      `${TRACING_ENV.exporter} must be otlp or none, got ${exporter}`,
      TRACING_ENV.exporter,
    )
  if (env[TRACING_ENV.disabled]?.trim().toLowerCase() === 'true')
    return { kind: 'off', reason: `${TRACING_ENV.disabled}=true` }
  if (exporter === 'none') return { kind: 'off', reason: `${TRACING_ENV.exporter}=none` }
  const endpoint = traces ?? (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`)
  if (endpoint === undefined) return { kind: 'off', reason: `no ${TRACING_ENV.endpoint}` }
  const serviceName = env[TRACING_ENV.serviceName]?.trim() || defaultServiceName
  return { kind: 'otlp', endpoint, serviceName }
}
