import { createHash, createHmac } from 'node:crypto'
import test from 'ava'
import { decodeResponse, encodeRequest, saltedPassword, SCRAM_ITERATIONS } from './scram-credentials.ts'

test('SaltedPassword is RFC 5802 Hi(): the client proof of RFC 7677’s SCRAM-SHA-256 example', (t) => {
  const salted = saltedPassword(
    'pencil',
    Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
    4096,
    'scram-sha-256',
  )
  const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest()
  const clientKey = hmac(salted, 'Client Key')
  const storedKey = createHash('sha256').update(clientKey).digest()
  const nonce = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0'
  const authMessage = `n=user,r=rOprNGfwEbeRWgbNEkqO,r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=${nonce}`
  const signature = hmac(storedKey, authMessage)
  const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] ?? 0)))
  t.is(proof.toString('base64'), 'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=')
  t.is(saltedPassword('pencil', Buffer.alloc(16), 4096, 'scram-sha-512').length, 64)
})

test('the request is AlterUserScramCredentials v0 with a v2 header, size-framed', (t) => {
  const salt = Buffer.alloc(32, 7)
  const frame = encodeRequest(
    9,
    'cli',
    [
      { kind: 'delete', user: 'old', mechanism: 'scram-sha-256' },
      { kind: 'upsert', user: 'tracking', password: 'pw', mechanism: 'scram-sha-512' },
    ],
    () => salt,
  )
  t.is(frame.readInt32BE(0), frame.length - 4)
  const body = frame.subarray(4)
  t.is(body.readInt16BE(0), 51, 'api key')
  t.is(body.readInt16BE(2), 0, 'api version')
  t.is(body.readInt32BE(4), 9, 'correlation id')
  t.is(body.readInt16BE(8), 3)
  t.is(body.toString('utf8', 10, 13), 'cli')
  let at = 13
  t.is(body[at++], 0, 'no tagged fields in the header')
  t.is(body[at++], 2, 'one deletion (compact array: n + 1)')
  t.is(body[at++], 4, 'its name, compact')
  t.is(body.toString('utf8', at, at + 3), 'old')
  at += 3
  t.is(body[at++], 1, 'SCRAM-SHA-256')
  t.is(body[at++], 0)
  t.is(body[at++], 2, 'one upsertion')
  t.is(body[at++], 9)
  t.is(body.toString('utf8', at, at + 8), 'tracking')
  at += 8
  t.is(body[at++], 2, 'SCRAM-SHA-512')
  t.is(body.readInt32BE(at), SCRAM_ITERATIONS)
  at += 4
  t.is(body[at++], 33)
  t.deepEqual(body.subarray(at, at + 32), salt)
  at += 32
  t.is(body[at++], 65)
  t.deepEqual(body.subarray(at, at + 64), saltedPassword('pw', salt, SCRAM_ITERATIONS, 'scram-sha-512'))
  at += 64
  t.deepEqual([...body.subarray(at)], [0, 0], 'the upsertion’s and the body’s tagged fields')
})

test('the response names each user’s outcome', (t) => {
  const frame = Buffer.concat([
    Buffer.from([0, 0, 0, 9, 0]), // correlation id, no header tags
    Buffer.from([0, 0, 0, 0]), // throttle
    Buffer.from([3]), // two results
    Buffer.from([3]),
    Buffer.from('ok'),
    Buffer.from([0, 0]),
    Buffer.from([0]),
    Buffer.from([0]),
    Buffer.from([4]),
    Buffer.from('bad'),
    Buffer.from([0, 68]),
    Buffer.from([5]),
    Buffer.from('nope'),
    Buffer.from([0]),
    Buffer.from([0]),
  ])
  t.deepEqual(decodeResponse(frame), {
    correlationId: 9,
    results: [
      { user: 'ok', errorCode: 0, errorMessage: null },
      { user: 'bad', errorCode: 68, errorMessage: 'nope' },
    ],
  })
})
