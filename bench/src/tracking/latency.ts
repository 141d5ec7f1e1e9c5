import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadOrCreateLocalKey, mintToken } from '@oxagry/api-auth'
import type { KafkaClientName } from '@oxagry/kafka'
import type { BatchOptions } from '@oxagry/sink'
import { platformNames } from '@oxagry/main/names'
import { median, percentile, rate as perSecond } from '../stats.ts'
import { SystemProcess } from '../streams/child.ts'
import { benchKafka } from '../streams/kafka.ts'
import { cleanUpStack } from './cleanup.ts'
import { groupLag, topicEnd, type GroupTopic } from './lag.ts'
import { LiveClient } from './live-client.ts'
import { TopicProbe } from './topic-probe.ts'
import { loadAverage, mb, type LatencyRun, type LatencyStep } from './results.ts'
import type { StackServices } from './services.ts'
import { highestSustained, keptUp, pauseBetweenStepsMs, shouldRun, type KeptUpCriteria } from './steps.ts'

export interface LatencyOptions {
  readonly services: StackServices
  /** Topic prefix of the platform: its topics, groups and MongoDB database are its own. */
  readonly prefix: string
  readonly rates: readonly number[]
  /** Rates run even above a failed step: the ones the report must have figures for. */
  readonly requiredRates: readonly number[]
  readonly machines: number
  readonly warmupMs: number
  readonly measureMs: number
  readonly criteria: KeptUpCriteria
  /** How long to wait after a step for every group to catch up before the next. */
  readonly drainTimeoutMs: number
  readonly guarantee: 'at_least_once' | 'exactly_once'
  /** The platform's Kafka client (KAFKA_CLIENT). */
  readonly kafkaClient: KafkaClientName
  /** What the platform's process runs (PLATFORM_PARTS); every part when undefined, as `npm start`. */
  readonly parts?: readonly string[]
  /** The platform's process writes a CPU profile there (`--cpu-prof`) when it exits. */
  readonly profileDir?: string
  /** The platform's sink batches (SINK_BATCH_RECORDS, SINK_BATCH_WAIT_MS). */
  readonly sinkBatch: BatchOptions
  readonly logDir: string
  readonly log: (line: string) => void
}

/** One `STATS` line of the platform child. */
interface Stats {
  readonly at: number
  readonly rss: number
  readonly eventLoopP99Ms: number
  /** State per sink of the platform: `clickhouse-pings`, `clickhouse-sessions`, `read-model`. */
  readonly sinks: Readonly<Record<string, string>>
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(ms / 1000)} s: ${what}`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

function cpuPct(before: number | undefined, after: number | undefined, elapsedMs: number): number | null {
  if (before === undefined || after === undefined || elapsedMs <= 0) return null
  return Math.round(((after - before) * 1000) / elapsedMs) / 10
}

/**
 * The latency ladder on one platform: for each rate, a producer process sends pings for a warm-up and a
 * measured phase while a prompt WebSocket client notes each update; then the bench waits for every
 * group to catch up and for machines to be allowed to jump back (see pauseBetweenStepsMs).
 */
export async function runLatency(options: LatencyOptions): Promise<LatencyRun> {
  const { services, prefix, log } = options
  const stateDir = mkdtempSync(join(tmpdir(), `${prefix}-state-`))
  const chdbDir = mkdtempSync(join(tmpdir(), `${prefix}-chdb-`))
  const names = platformNames(prefix)
  const { topics } = names
  const groups: Record<keyof LatencyStep['lags'], GroupTopic> = {
    tracking: { groupId: names.group('tracking'), topic: topics.pings },
    clickhouse: { groupId: names.group('sink-clickhouse-pings'), topic: topics.accepted },
    readModel: { groupId: names.group('sink-read-model'), topic: topics.positions },
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // As `npm start` and the image run it (the root package.json): each librdkafka consumer holds one.
    UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '64',
    KAFKA_BROKERS: services.brokers.join(','),
    SCHEMA_REGISTRY_URL: services.registryUrl,
    MONGODB_URL: services.mongodbUrl,
    CLICKHOUSE_URL: `chdb:${chdbDir}`,
    STATE_DIR: stateDir,
    TOPIC_PREFIX: prefix,
    SIMULATOR: 'off',
    PORT: '0',
    HOST: '127.0.0.1',
    PROCESSING_GUARANTEE: options.guarantee,
    KAFKA_CLIENT: options.kafkaClient,
    ...(options.parts === undefined ? {} : { PLATFORM_PARTS: options.parts.join(',') }),
    SINK_BATCH_RECORDS: String(options.sinkBatch.maxRecords),
    SINK_BATCH_WAIT_MS: String(options.sinkBatch.maxWaitMs),
  }
  // Real services make the platform's API require tokens: the bench signs its own with the key the
  // platform loads from its state directory.
  const key = await loadOrCreateLocalKey(join(stateDir, 'auth', 'local-signing-key.json'))
  const authorization = `Bearer ${await mintToken(key, { subject: 'bench', scopes: ['fleet:read'] })}`
  const platform = SystemProcess.script(
    'platform',
    new URL('./platform-child.ts', import.meta.url),
    [],
    join(options.logDir, `${prefix}-platform.log`),
    env,
    options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`],
  )
  const stats: Stats[] = []
  platform.onLine((line) => {
    if (line.startsWith('STATS ')) stats.push(JSON.parse(line.slice(6)) as Stats)
  })
  const kafka = benchKafka(services.brokers)
  const admin = kafka.admin()
  let client: LiveClient | undefined
  let probe: TopicProbe | undefined
  try {
    await admin.connect()
    const started = Date.now()
    const ready = JSON.parse(
      (
        await withTimeout(
          platform.line((l) => l.startsWith('READY ')),
          180_000,
          'the platform to start',
        )
      ).slice(6),
    ) as { live: string; services: Record<string, string> }
    log(`platform ready in ${Date.now() - started} ms: ${JSON.stringify(ready.services)}`)
    client = await LiveClient.connect(ready.live, { authorization })
    probe = await TopicProbe.start(kafka, `${prefix}-probe`, groups.readModel.topic)

    const steps: LatencyStep[] = []
    for (const rate of options.rates) {
      // The ladder climbs on the live path: on the stack's FerretDB the read model stalls at any rate.
      const climbed = steps.map((s) => ({ rate: s.rate, keptUp: s.keptUpWithoutReadModel }))
      if (!shouldRun(rate, climbed, options.requiredRates)) {
        log(`${rate}/s: skipped, a lower rate was not sustained`)
        continue
      }
      const step = await platform.guard(runStep(rate, client, probe))
      steps.push(step)
      log(
        `${rate}/s: produced ${step.producedPerSec}/s, p50 ${step.p50Ms} ms, p99 ${step.p99Ms} ms, ` +
          `lags ${JSON.stringify(step.lags)}, platform cpu ${step.platformCpuPct} %: ` +
          (step.keptUp ? 'kept up' : `NOT kept up (${step.reasons.join('; ')})`),
      )
    }
    return {
      guarantee: options.guarantee,
      steps,
      highestSustainedRate: highestSustained(steps),
      highestSustainedRateWithoutReadModel: highestSustained(
        steps.map((s) => ({ rate: s.rate, keptUp: s.keptUpWithoutReadModel })),
      ),
    }
  } finally {
    client?.close()
    await probe?.stop()
    await platform.stop()
    const problems = await cleanUpStack(admin, services, prefix, {
      mongoDatabases: [names.mongoDatabase],
    })
    for (const p of problems) log(`cleanup: ${p}`)
    await admin.disconnect()
    rmSync(stateDir, { recursive: true, force: true })
    rmSync(chdbDir, { recursive: true, force: true })
  }

  /** The platform's sinks that failed, by the latest STATS line: they consume no more. */
  function failedSinks(): string[] {
    const latest = stats.at(-1)
    return latest === undefined
      ? []
      : Object.entries(latest.sinks)
          .filter(([, state]) => state === 'FAILED')
          .map(([name]) => name)
  }

  async function lags(): Promise<LatencyStep['lags']> {
    const [tracking, clickhouse, readModel] = await Promise.all(
      [groups.tracking, groups.clickhouse, groups.readModel].map((g) => groupLag(admin, g)),
    )
    return { tracking: tracking ?? 0, clickhouse: clickhouse ?? 0, readModel: readModel ?? 0 }
  }

  async function runStep(rate: number, live: LiveClient, topic: TopicProbe): Promise<LatencyStep> {
    const loadAvg = loadAverage()
    const deadLettersBefore = await topicEnd(admin, topics.deadLetters)
    live.clear()
    topic.clear()
    const producer = SystemProcess.script(
      `producer ${rate}/s`,
      new URL('./producer-child.ts', import.meta.url),
      [
        ...['--brokers', services.brokers.join(','), '--registry', services.registryUrl],
        ...['--pings', topics.pings, '--geofences', topics.geofences],
        ...['--machines', String(options.machines), '--rate', String(rate)],
        ...['--warmup-ms', String(options.warmupMs), '--measure-ms', String(options.measureMs)],
      ],
      join(options.logDir, `${prefix}-producer-${rate}.log`),
    )
    try {
      const window = JSON.parse(
        (await producer.guard(producer.line((l) => l.startsWith('START ')))).slice(6),
      ) as {
        from: number
        to: number
      }
      await producer.guard(sleep(window.from - Date.now()))
      const cpuFrom = { platform: platform.cpuMs(), producer: producer.cpuMs() }
      await producer.guard(sleep(window.to - Date.now()))
      const cpuTo = { platform: platform.cpuMs(), producer: producer.cpuMs() }
      const lagsAtEnd = await lags()
      const done = JSON.parse(
        (await producer.guard(producer.line((l) => l.startsWith('DONE ')))).slice(5),
      ) as {
        inWindow: number
      }
      // Fresh: positions from the phase's last second reached the client within the p99 bound.
      const freshBy = window.to + options.criteria.maxP99Ms
      while (live.newest < window.to - 1000 && Date.now() < freshBy) await sleep(50)
      const fresh = live.newest >= window.to - 1000
      const { latencies, frames } = live.window(window.from, window.to)
      const onTopic = topic.window(window.from, window.to)
      const elapsed = window.to - window.from
      const producedPerSec = perSecond(done.inWindow, elapsed) ?? 0
      const inPhase = stats.filter((s) => s.at >= window.from && s.at <= window.to)
      const figures = {
        rate,
        producedPerSec,
        pings: done.inWindow,
        positions: latencies.length,
        frames,
        p50Ms: latencies.length === 0 ? null : percentile(latencies, 50),
        p99Ms: latencies.length === 0 ? null : percentile(latencies, 99),
        maxMs: latencies.length === 0 ? null : percentile(latencies, 100),
        topicP50Ms: onTopic.length === 0 ? null : percentile(onTopic, 50),
        topicP99Ms: onTopic.length === 0 ? null : percentile(onTopic, 99),
        lags: lagsAtEnd,
        platformCpuPct: cpuPct(cpuFrom.platform, cpuTo.platform, elapsed),
        producerCpuPct: cpuPct(cpuFrom.producer, cpuTo.producer, elapsed),
        eventLoopP99Ms:
          inPhase.length === 0 ? null : Math.round(median(inPhase.map((s) => s.eventLoopP99Ms)) * 10) / 10,
        platformRssMB: inPhase.length === 0 ? null : mb((inPhase.at(-1) as Stats).rss),
        loadAvg,
        fresh,
      }
      const decision = keptUp(figures, options.criteria)
      const { readModel: _readModel, ...liveLags } = lagsAtEnd
      const withoutReadModel = keptUp({ ...figures, lags: liveLags }, options.criteria)
      const failed = failedSinks()
      const drainStarted = Date.now()
      await drain(rate)
      log(`${rate}/s: drained in ${Date.now() - drainStarted} ms`)
      const deadLetters = (await topicEnd(admin, topics.deadLetters)) - deadLettersBefore
      await sleep(pauseBetweenStepsMs(options.warmupMs + options.measureMs) - (Date.now() - window.to))
      const { fresh: _fresh, ...step } = figures
      return {
        ...step,
        deadLetters,
        failedSinks: failed,
        keptUp: decision.keptUp,
        keptUpWithoutReadModel: withoutReadModel.keptUp,
        reasons: decision.reasons,
      }
    } finally {
      await producer.stop()
    }
  }

  /**
   * Waits until every group committed everything, or the drain timeout. The read model is waited for
   * only while it moves: once it failed, or committed nothing for 5 s, it is left behind.
   */
  async function drain(rate: number): Promise<void> {
    const deadline = Date.now() + options.drainTimeoutMs
    let readModelSeen = { lag: Number.POSITIVE_INFINITY, at: Date.now() }
    for (;;) {
      const now = await lags()
      if (now.readModel < readModelSeen.lag) readModelSeen = { lag: now.readModel, at: Date.now() }
      const readModelStuck = failedSinks().includes('read-model') || Date.now() - readModelSeen.at > 5000
      if (now.tracking + now.clickhouse + (readModelStuck ? 0 : now.readModel) === 0) {
        if (readModelStuck && now.readModel > 0)
          log(`${rate}/s: the read model is stuck with ${now.readModel} records behind; not waiting for it`)
        return
      }
      if (Date.now() > deadline) {
        log(`${rate}/s: WARNING: not drained after ${options.drainTimeoutMs} ms: ${JSON.stringify(now)}`)
        return
      }
      await sleep(500)
    }
  }
}
