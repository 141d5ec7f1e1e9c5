import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { run } from '../process.ts'

/** Where the secured listener's certificates live, under the Kafka service's state folder. */
export interface KafkaTlsFiles {
  /** The CA that signed the broker's certificate: what clients trust (`KAFKA_SSL_CA_FILE`). */
  readonly caCert: string
  readonly caKey: string
  /** The broker's PKCS#8 key, its certificate and the CA, one PEM file (Kafka's `PEM` keystore). */
  readonly keystore: string
}

export function kafkaTlsFiles(kafkaDir: string): KafkaTlsFiles {
  const dir = join(kafkaDir, 'tls')
  return {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    keystore: join(dir, 'broker.pem'),
  }
}

/**
 * Makes a CA of the local stack and a broker certificate it signs for `host` (and localhost), with
 * openssl, when they do not exist yet: a restart keeps them, so a client's CA file stays valid as long
 * as the stack's state does (`stack:down` keeps it; deleting `.stack/` makes new ones).
 */
export function ensureKafkaTls(kafkaDir: string, host: string): KafkaTlsFiles {
  const files = kafkaTlsFiles(kafkaDir)
  if (existsSync(files.caCert) && existsSync(files.keystore)) return files
  const dir = join(kafkaDir, 'tls')
  mkdirSync(dir, { recursive: true })
  const brokerKey = join(dir, 'broker.key')
  const brokerCsr = join(dir, 'broker.csr')
  const brokerCert = join(dir, 'broker.crt')
  const extensions = join(dir, 'broker.ext')
  const openssl = (args: string[]): void => {
    run('kafka', 'openssl', args)
  }
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '825',
    '-subj',
    '/CN=oxagry local stack Kafka CA',
    '-keyout',
    files.caKey,
    '-out',
    files.caCert,
  ])
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-subj',
    `/CN=${host}`,
    '-keyout',
    brokerKey,
    '-out',
    brokerCsr,
  ])
  // Clients check the name they dialled against the certificate: the loopback address and its name.
  const san = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? `IP:${host}` : `DNS:${host}`
  writeFileSync(
    extensions,
    `subjectAltName=${san},DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`,
  )
  openssl([
    'x509',
    '-req',
    '-sha256',
    '-days',
    '825',
    '-in',
    brokerCsr,
    '-CA',
    files.caCert,
    '-CAkey',
    files.caKey,
    '-CAcreateserial',
    '-extfile',
    extensions,
    '-out',
    brokerCert,
  ])
  // OpenSSL 3 writes unencrypted keys as PKCS#8, which Kafka's PEM keystore reads without a key password.
  writeFileSync(
    files.keystore,
    [brokerKey, brokerCert, files.caCert].map((f) => readFileSync(f, 'utf8').trim()).join('\n') + '\n',
    { mode: 0o600 },
  )
  return files
}
