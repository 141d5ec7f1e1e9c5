import type { Platform } from './platform.ts'

const EVERY_INTERFACE = new Set(['0.0.0.0', '::', '[::]'])

/** What `npm start` prints once the platform runs: where it listens, its URLs and what runs where. */
export function banner(
  platform: Pick<Platform, 'listening' | 'urls' | 'services' | 'parts'>,
  auth?: string,
  /** Where spans are exported, when tracing is on. */
  traces?: string,
): string {
  const { host, port } = platform.listening
  const scope = EVERY_INTERFACE.has(host)
    ? 'every interface: reachable from other machines'
    : host === '127.0.0.1' || host === 'localhost' || host === '::1'
      ? 'this machine only'
      : 'that address'
  const apis = platform.parts.includes('api')
  return [
    apis ? 'oxagry is running' : `oxagry is running: ${platform.parts.join(', ')}`,
    `  listening ${host}:${port} (${scope})`,
    ...(apis
      ? [
          `  REST      ${platform.urls.api}`,
          `  docs      ${platform.urls.docs}`,
          `  live map  ${platform.urls.map}`,
          `  live feed ${platform.urls.live}`,
        ]
      : [`  health    ${platform.urls.metrics.replace(/\/metrics$/, '/health/ready')}`]),
    `  metrics   ${platform.urls.metrics}`,
    ...(auth === undefined ? [] : [`  auth      ${auth}`]),
    ...(traces === undefined ? [] : [`  traces    OTLP to ${traces}`]),
    ...Object.entries(platform.services).map(([name, where]) => `  ${name.padEnd(11)}${where}`),
  ].join('\n')
}

/** A failed start as one line: the typed error's code and message, not a stack trace. */
export function startFailure(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown } | null
  if (typeof e?.code === 'string' && e.code.startsWith('OXA_') && typeof e.message === 'string')
    return `oxagry could not start [${e.code}]: ${e.message}`
  return `oxagry could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
}
