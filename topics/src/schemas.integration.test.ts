import { randomUUID } from 'node:crypto'
import { Contracts, ConfluentSchemaRegistry, type AvroField, type AvroRecordSchema } from '@oxagry/avro'
import { integrationTest, serviceUrl } from '@oxagry/testkit'
import { TOPIC_LIST, TOPICS } from './catalogue.ts'
import { EXIT, main } from './cli.ts'
import { checkSchemas, registerSchemas } from './schemas.ts'

const test = await integrationTest('schemaRegistry')
const url = serviceUrl('schemaRegistry')
const registry = new ConfluentSchemaRegistry({ url, clientId: 'topics-it' })
const prefixes: string[] = []

function prefix(): string {
  const p = `it-${randomUUID().slice(0, 8)}.`
  prefixes.push(p)
  return p
}

test.after(async () => {
  const subjects = prefixes.flatMap((p) => TOPIC_LIST.map((t) => `${p}${t.name}-value`))
  await Promise.allSettled(subjects.map((s) => registry.deleteSubject(s)))
})

test('schemas register registers every subject with its level, and again changes nothing', async (t) => {
  const p = prefix()
  const first = await registerSchemas({ registry, prefix: p })
  t.is(first.length, TOPIC_LIST.length)
  t.true(first.every((r) => r.status === 'registered' && r.id !== undefined))
  t.is(await registry.subjectCompatibility(`${p}${TOPICS.machinePings.name}-value`), 'FULL')
  t.is(await registry.subjectCompatibility(`${p}${TOPICS.machinePositions.name}-value`), 'BACKWARD')
  // One schema, one id: the four dead-letter subjects share it.
  const deadLetterIds = new Set(first.filter((r) => r.subject.includes('dead-letters')).map((r) => r.id))
  t.is(deadLetterIds.size, 1)

  const second = await registerSchemas({ registry, prefix: p })
  t.true(second.every((r) => r.status === 'unchanged'))
  t.deepEqual(
    second.map((r) => r.id),
    first.map((r) => r.id),
  )
  const checks = await checkSchemas({ registry, prefix: p })
  t.true(checks.every((c) => c.status === 'compatible'))
})

test('schemas check and register fail on an incompatible change, naming the field', async (t) => {
  const p = prefix()
  // The registry holds a version with a required field the local schema no longer has: at FULL, old
  // readers of the registered version need it.
  const older = structuredClone(Contracts.MachinePing.schema) as AvroRecordSchema & { fields: AvroField[] }
  older.fields.push({ name: 'operatorId', type: 'string', doc: 'Who drove.' })
  const subject = `${p}${TOPICS.machinePings.name}-value`
  await registry.register(subject, older)
  await registry.setSubjectCompatibility(subject, 'FULL')

  const [check] = await checkSchemas({ registry, prefix: p, topics: [TOPICS.machinePings] })
  t.is(check?.status, 'incompatible')
  t.is(check?.issues[0]?.path, 'MachinePing.operatorId')
  t.regex(check?.issues[0]?.message ?? '', /FORWARD/)

  const [registration] = await registerSchemas({ registry, prefix: p, topics: [TOPICS.machinePings] })
  t.is(registration?.status, 'rejected')
  t.is(registration?.issues[0]?.path, 'MachinePing.operatorId')

  const lines: string[] = []
  const io = {
    out: (l: string) => lines.push(l),
    err: (l: string) => lines.push(l),
    env: { SCHEMA_REGISTRY_URL: url },
  }
  t.is(await main(['schemas', 'check', '--no-git', '--prefix', p], io), EXIT.DRIFT)
  t.regex(
    lines.join('\n'),
    /incompatible +fleet\/machine-ping\.avsc .*\n +MachinePing\.operatorId: old readers cannot read new data/,
  )
  t.regex(lines.join('\n'), /new +orders\/order-event\.avsc/)
})
