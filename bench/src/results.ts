import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

export const SCENARIOS = ['stateless', 'windowed'] as const
export type Scenario = (typeof SCENARIOS)[number]

export const GUARANTEES = ['at_least_once', 'exactly_once'] as const
export type Guarantee = (typeof GUARANTEES)[number]

export const SYSTEMS = ['oxagry-streams', 'kafkajs-loop', 'kafka-streams'] as const
export type System = (typeof SYSTEMS)[number]

/** The Kafka clients @oxagry/streams runs on in the bench (`--clients`); the other systems have their own. */
export const STREAMS_CLIENTS = ['kafkajs', 'rdkafka'] as const
export type StreamsClient = (typeof STREAMS_CLIENTS)[number]

/** One row of results/streams.json: one system running one scenario under one guarantee. */
export interface StreamsResult {
  readonly scenario: Scenario
  readonly guarantee: Guarantee
  readonly system: System
  /** @oxagry/streams' stream threads (`--threads`); absent for one thread and for the other systems. */
  readonly threads?: number
  /** @oxagry/streams' Kafka client (`--clients`); absent for kafkajs and for the other systems. */
  readonly client?: StreamsClient
  /** How many runs the figures are the medians of (`--runs`); absent for one. */
  readonly runs?: number
  /** Each run's records/s, in the order run (null for a run that failed); absent for one run. */
  readonly recordsPerSecEach?: readonly (number | null)[]
  /** Input records of the throughput phase. */
  readonly records: number
  /** records / (time the last output was read - time the first was read); null when the run failed. */
  readonly recordsPerSec: number | null
  /** p99 of output LogAppendTime - input send time over the paced phase; null when it failed. */
  readonly p99Ms: number | null
  /** p50 of the same. */
  readonly p50Ms?: number | null
  /** p99 of the time a read_committed consumer received the output - input send time. */
  readonly p99VisibleMs?: number | null
  /** CPU time (user + system) of the system's process per 1 000 inputs over the throughput phase. */
  readonly cpuMsPer1k?: number | null
  /** Why the row has no figures. */
  readonly error?: string
}

function fail(path: string, what: string): never {
  throw new TypeError(`${path} must be ${what}`)
}

function oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    fail(path, `one of ${allowed.join(', ')}`)
  return value as T
}

function figure(path: string, value: unknown, optional: boolean): void {
  if (value === undefined && optional) return
  if (value === null) return
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    fail(path, 'a non-negative number or null')
}

/** Checks a parsed results file, naming the path of the first problem. */
export function validateStreamsResults(data: unknown): StreamsResult[] {
  if (!Array.isArray(data)) fail('/', 'an array')
  const allowed = new Set([
    'scenario',
    'guarantee',
    'system',
    'threads',
    'client',
    'runs',
    'recordsPerSecEach',
    'records',
    'recordsPerSec',
    'p99Ms',
    'p50Ms',
    'p99VisibleMs',
    'cpuMsPer1k',
    'error',
  ])
  return data.map((row: unknown, i) => {
    const path = `/${i}`
    if (typeof row !== 'object' || row === null) fail(path, 'an object')
    const r = row as Record<string, unknown>
    for (const key of Object.keys(r)) if (!allowed.has(key)) fail(`${path}/${key}`, 'absent (unknown field)')
    oneOf(`${path}/scenario`, r.scenario, SCENARIOS)
    oneOf(`${path}/guarantee`, r.guarantee, GUARANTEES)
    oneOf(`${path}/system`, r.system, SYSTEMS)
    if (typeof r.records !== 'number' || !Number.isInteger(r.records) || r.records <= 0)
      fail(`${path}/records`, 'a positive integer')
    if (
      r.threads !== undefined &&
      (typeof r.threads !== 'number' || !Number.isInteger(r.threads) || r.threads < 1)
    )
      fail(`${path}/threads`, 'a positive integer')
    if (r.client !== undefined) oneOf(`${path}/client`, r.client, STREAMS_CLIENTS)
    if (r.runs !== undefined && (typeof r.runs !== 'number' || !Number.isInteger(r.runs) || r.runs < 2))
      fail(`${path}/runs`, 'an integer of at least 2')
    if (r.recordsPerSecEach !== undefined) {
      if (!Array.isArray(r.recordsPerSecEach) || r.recordsPerSecEach.length !== r.runs)
        fail(`${path}/recordsPerSecEach`, 'an array of one figure per run')
      r.recordsPerSecEach.forEach((v: unknown, j: number) =>
        figure(`${path}/recordsPerSecEach/${j}`, v, false),
      )
    }
    figure(`${path}/recordsPerSec`, r.recordsPerSec, false)
    figure(`${path}/p99Ms`, r.p99Ms, false)
    figure(`${path}/p50Ms`, r.p50Ms, true)
    figure(`${path}/p99VisibleMs`, r.p99VisibleMs, true)
    figure(`${path}/cpuMsPer1k`, r.cpuMsPer1k, true)
    if (r.error !== undefined && typeof r.error !== 'string') fail(`${path}/error`, 'a string')
    if ((r.recordsPerSec === null || r.p99Ms === null) && r.error === undefined)
      fail(`${path}/error`, 'present when a figure is null')
    return r as unknown as StreamsResult
  })
}

/** Writes JSON through a temporary file, so an interrupted run never leaves half a results file. */
export function writeJson(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.tmp`
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`)
  renameSync(tmp, path)
}
