import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { ensureKafkaTls } from './kafka-tls.ts'

test('the broker certificate is signed by the stack CA for the loopback address, and kept across starts', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oxagry-kafka-tls-'))
  const files = ensureKafkaTls(dir, '127.0.0.1')
  const ca = new X509Certificate(readFileSync(files.caCert))
  const keystore = readFileSync(files.keystore, 'utf8')
  t.regex(
    keystore,
    /^-----BEGIN PRIVATE KEY-----/,
    'an unencrypted PKCS#8 key first, as Kafka’s PEM keystore reads it',
  )
  const [brokerPem] = keystore.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/) ?? []
  const broker = new X509Certificate(brokerPem ?? '')
  t.true(broker.verify(ca.publicKey), 'signed by the CA clients are given')
  t.true(broker.checkIP('127.0.0.1') !== undefined, broker.subjectAltName)
  t.true(broker.checkHost('localhost') !== undefined)
  t.is(statSync(files.keystore).mode & 0o077, 0, 'the key is the owner’s only')
  const again = ensureKafkaTls(dir, '127.0.0.1')
  t.is(
    readFileSync(again.caCert, 'utf8'),
    readFileSync(files.caCert, 'utf8'),
    'a restart keeps the CA clients trust',
  )
})
