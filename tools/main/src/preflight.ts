import { createServer } from 'node:net'
import { connectClusterAdmin, errorMessage, type KafkaConnection } from '@oxagry/kafka'
import { MAIN_ERROR_CODES, MainError } from './errors.ts'

/**
 * Whether the API can listen where it is told to, checked before anything starts: a port in use found
 * only at the end would cost the whole start-up (and leave a half-started platform to stop).
 */
export async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? 'is in use by another process: stop it, or set PORT'
          : error.code === 'EACCES'
            ? 'needs privileges this process lacks: use a port above 1023'
            : error.code === 'EADDRNOTAVAIL'
              ? 'is on an address this machine does not have: check HOST'
              : `cannot be listened on (${error.code ?? error.message})`
      reject(new MainError(MAIN_ERROR_CODES.PORT_UNAVAILABLE, `${host}:${port} ${why}`, { cause: error }))
    })
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()))
  })
}

/**
 * Whether the configured Kafka answers, asked once with a short bound before anything starts: without
 * it, the first client to connect retries for tens of seconds and fails with a client's stack trace.
 */
export async function checkKafkaReachable(connection: KafkaConnection, timeoutMs = 5000): Promise<void> {
  try {
    const admin = await connectClusterAdmin(connection, {
      clientId: 'oxagry-preflight',
      retries: 1,
      connectionTimeoutMs: Math.min(timeoutMs, 3000),
    })
    try {
      await admin.brokerCount()
    } finally {
      await admin.close()
    }
  } catch (error) {
    throw new MainError(
      MAIN_ERROR_CODES.KAFKA_UNREACHABLE,
      `Kafka does not answer (${errorMessage(error)}). Start it (npm run stack:up), or unset KAFKA_BROKERS for the in-process broker`,
      { cause: error, retriable: true },
    )
  }
}
