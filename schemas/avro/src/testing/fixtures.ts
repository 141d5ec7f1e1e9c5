import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AvroContract } from '../contract.ts'
import { Contracts, type ContractName } from '../generated/contracts.ts'
import { InMemorySchemaRegistry } from '../registry/in-memory.ts'
import { SCHEMAS_ROOT } from '../schema.ts'
import { createAvroSerde } from '../serde.ts'
import { SAMPLES } from './samples.ts'

/** Golden encodings: `fixtures/<Contract>.<sample>.hex`, the whole Confluent frame in hex. */
export const FIXTURES_DIR = join(SCHEMAS_ROOT, 'fixtures')

/** The topic golden bytes are written to; any name does, the framing does not contain it. */
export const GOLDEN_TOPIC = 'golden'

export function fixtureFile(contract: ContractName, sample: string): string {
  return join(FIXTURES_DIR, `${contract}.${sample}.hex`)
}

export function readFixture(contract: ContractName, sample: string): Buffer | undefined {
  try {
    return Buffer.from(readFileSync(fixtureFile(contract, sample), 'utf8').trim(), 'hex')
  } catch {
    return undefined
  }
}

export function listFixtures(): string[] {
  return readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.hex'))
}

/**
 * Encodes a sample as a producer would, through a serde on a fresh in-memory registry: the schema id
 * in the frame is the fingerprint-derived one, the same on every machine.
 */
export async function encodeSample<T>(contract: AvroContract<T>, value: T): Promise<Buffer> {
  const serde = await createAvroSerde({
    registry: new InMemorySchemaRegistry(),
    contract,
    topics: [GOLDEN_TOPIC],
    autoRegister: true,
  })
  return serde.serialize(GOLDEN_TOPIC, value, {}) as Buffer
}

/** Writes the fixtures that are missing, or all of them with `force` (after an intended schema change). */
export async function writeFixtures(force: boolean): Promise<string[]> {
  const written: string[] = []
  for (const name of Object.keys(SAMPLES) as ContractName[]) {
    const contract = Contracts[name] as AvroContract<unknown>
    for (const sample of SAMPLES[name] as readonly { name: string; value: unknown }[]) {
      if (!force && readFixture(name, sample.name) !== undefined) continue
      const bytes = await encodeSample(contract, sample.value)
      writeFileSync(fixtureFile(name, sample.name), `${bytes.toString('hex')}\n`)
      written.push(`${name}.${sample.name}.hex`)
    }
  }
  return written
}
