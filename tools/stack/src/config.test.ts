import test from 'ava'
import { PORTS, stackPorts } from './config.ts'
import { STACK_ERROR_CODES, StackError } from './errors.ts'
import { stackServices } from './stack.ts'

test('without STACK_PORT_BASE the stack keeps the ports the integration tests look for', (t) => {
  t.deepEqual(stackPorts({}), PORTS)
  t.deepEqual(stackPorts({ STACK_PORT_BASE: '' }), PORTS)
})

test('STACK_PORT_BASE moves every port to eight consecutive ones from it', (t) => {
  const ports = stackPorts({ STACK_PORT_BASE: '19100' })
  t.deepEqual(ports, {
    kafka: 19100,
    kafkaController: 19101,
    kafkaSecure: 19102,
    registry: 19103,
    postgres: 19104,
    mongodb: 19105,
    kafkaMetrics: 19106,
    prometheus: 19107,
  })
  t.is(new Set(Object.values(ports)).size, Object.keys(PORTS).length)
})

test('a STACK_PORT_BASE that is no port is refused, naming the variable', (t) => {
  for (const bad of ['abc', '80', '65529', '19100.5']) {
    const error = t.throws(() => stackPorts({ STACK_PORT_BASE: bad }), { instanceOf: StackError })
    t.is(error?.code, STACK_ERROR_CODES.INVALID_CONFIG)
    t.regex(error?.message ?? '', /STACK_PORT_BASE/)
  }
})

test("the stack's services listen where its ports say", async (t) => {
  const ports = stackPorts({ STACK_PORT_BASE: '19100' })
  const paths = { state: '/nonexistent-stack-state', cache: '/nonexistent-stack-cache' }
  const statuses = await Promise.all(
    stackServices(ports)
      .filter((s) => s.name !== 'clickhouse')
      .map((s) => s.status(paths)),
  )
  t.deepEqual(Object.fromEntries(statuses.map((s) => [s.name, s.address])), {
    kafka: '127.0.0.1:19100',
    registry: 'http://127.0.0.1:19103/apis/ccompat/v7',
    postgres: 'postgres://oxagry@127.0.0.1:19104/oxagry',
    ferretdb: 'mongodb://127.0.0.1:19105/',
    prometheus: 'http://127.0.0.1:19107',
  })
  t.true(statuses.every((s) => s.state === 'down'))
})
