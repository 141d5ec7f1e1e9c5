import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { ConfluentSchemaRegistry } from '@oxagry/avro'
import { KafkaJsBackend } from '@oxagry/kafka'
import {
  COMMERCE,
  COMMERCE_ROLES,
  commerceTopicNames,
  marketTopicsOf,
  type CommerceRole,
  type WorkerSpec,
} from '@oxagry/main/commerce'
import { createMarket, createMarketSink, createRandom } from '@oxagry/simulator'
import { checkCommerce, deliverUntilTerminal } from './commerce-run.ts'
import { healthOf, startWorker, type WorkerLife } from './commerce-worker.ts'
import { fillDisk, tmpfsSupport } from './disk.ts'
import { HealthWatch, summarize } from './health-watch.ts'
import type { FaultPlan } from './options.ts'
import type { PrivateStack } from './private-stack.ts'
import type { FaultResult } from './result.ts'
import { sleep, waitFor } from './wait.ts'

/** The roles whose state directory holds persistent (LMDB) stores: what a full disk can hurt. */
const STATEFUL: readonly CommerceRole[] = ['orders', 'inventory']

const SIGKILL_FAULT = 'worker SIGKILLed at random points (exactly-once)'
const DISK_FAULT = 'disk full on the state directory'

/**
 * The commerce flow (orders, inventory, payments, the payment gateway, each a process, exactly-once)
 * on the private stack under the simulated market: workers SIGKILLed one at a time at random points,
 * then the stateful workers' state directories filled to ENOSPC, then every order driven to a terminal
 * state and the commerce invariants checked over everything the run wrote. A worker that exits on its
 * own is started again, as its Deployment would; the report says so.
 */
export async function runCommerceFaults(
  stack: PrivateStack,
  plan: FaultPlan,
  options: { stateDir: string; report: (line: string) => void },
): Promise<FaultResult[]> {
  const { report } = options
  const prefix = `faults-commerce-${randomUUID().slice(0, 8)}`
  const names = commerceTopicNames((spec) => `${prefix}.${spec.name}`)
  const backend = new KafkaJsBackend({ brokers: [...stack.urls.brokers], clientId: prefix })
  const registry = new ConfluentSchemaRegistry({ url: stack.urls.registryUrl })
  const admin = await backend.admin()
  await admin.createTopics(
    Object.keys(COMMERCE).map((k) => ({
      name: names[k as keyof typeof COMMERCE],
      partitions: k === 'products' ? 1 : 3,
      config: {},
    })),
  )
  await admin.close()
  const stateDir = join(options.stateDir, 'commerce')
  const ledgerPath = join(stateDir, 'provider-ledger.jsonl')
  const spec = (role: CommerceRole): WorkerSpec => ({
    role,
    prefix,
    brokers: [...stack.urls.brokers],
    registryUrl: stack.urls.registryUrl,
    stateDir,
    ledgerPath,
    seed: 11,
    timeouts: { validationTimeoutMs: 30_000, paymentDeadlineMs: 60_000, reservationTtlMs: 180_000 },
  })
  const noTmpfs = tmpfsSupport()
  const privateDisk = noTmpfs === undefined
  const workers = new Map<CommerceRole, WorkerLife>()
  const start = (role: CommerceRole): WorkerLife => {
    const life = startWorker(spec(role), privateDisk)
    workers.set(role, life)
    return life
  }
  const killed = new Set<WorkerLife>()
  const unexpectedExits: string[] = []
  /** The roles any of whose lives logged a full disk (LMDB says ENOSPC, MDB_*, or the OS's words). */
  const diskFullLogged = new Set<string>()
  const sawDiskFull = (role: string, life: WorkerLife): void => {
    if (life.stderr.some((line) => /ENOSPC|MDB_|No space left on device/.test(line))) diskFullLogged.add(role)
  }
  // The supervisor: a worker that exits without being killed is started again, as Kubernetes would.
  const supervisor = setInterval(() => {
    for (const [role, life] of workers)
      if (life.exit !== undefined && !killed.has(life)) {
        sawDiskFull(role, life)
        unexpectedExits.push(
          `${role} exited (${life.exit.signal ?? life.exit.code}) at +${life.exit.at - life.startedAt} ms; last: ${life.stderr.slice(-2).join(' | ').slice(0, 300)}`,
        )
        start(role)
      }
  }, 250)
  const watch = new HealthWatch(() =>
    Object.fromEntries([...workers].map(([role, life]) => [role, healthOf(life)])),
  )
  const allRunning = (): true | undefined =>
    [...workers.values()].every((w) => healthOf(w).ready) ? true : undefined
  let trafficOn = true
  let trafficLoop: Promise<void> = Promise.resolve()
  const results: FaultResult[] = []
  try {
    for (const role of COMMERCE_ROLES) start(role)
    watch.start()
    await waitFor('every commerce worker running', allRunning, { timeoutMs: 120_000 })
    report(
      `commerce workers running (${prefix}), state on ${privateDisk ? 'private tmpfs' : 'the host disk'}`,
    )

    const sink = await createMarketSink({
      backend,
      registry,
      topics: marketTopicsOf(names),
      autoRegister: true,
    })
    const market = createMarket({
      seed: 5,
      ordersPerSecond: plan.ordersPerSecond,
      customers: 40,
      receiptUnits: 25,
      restockEveryMs: 15_000,
      cancelAfterMs: 1_500,
      deliverAfterMs: 8_000,
    })
    await sink.send(market.opening(Date.now()))
    trafficLoop = (async () => {
      while (trafficOn) {
        await sink.send(market.tick(Date.now())).catch(() => {})
        await sleep(200)
      }
      await sink.close()
    })()

    // SIGKILLs: one worker at a time, at a random point, started again at once.
    const random = createRandom(17)
    const kills: { role: CommerceRole; at: number; life: WorkerLife }[] = []
    const killsFrom = Date.now()
    for (let i = 0; i < plan.kills; i++) {
      await sleep(plan.killEveryMs / 2 + random.next() * plan.killEveryMs)
      const role = random.pick(COMMERCE_ROLES)
      const victim = workers.get(role)
      if (victim === undefined) continue
      killed.add(victim)
      victim.child.kill('SIGKILL')
      kills.push({ role, at: Date.now(), life: start(role) })
    }
    const lastRestart = Date.now()
    await waitFor('every commerce worker running after the kills', allRunning, { timeoutMs: 180_000 }).catch(
      () => undefined,
    )
    // One sample now: the probe's last one may predate the moment every worker was running again.
    watch.sample()
    const restarts = kills.map((k) =>
      k.life.runningAt !== undefined
        ? String(k.life.runningAt - k.at)
        : killed.has(k.life)
          ? 'killed again while starting'
          : 'never',
    )
    report(`${kills.length} SIGKILLs: ${kills.map((k) => k.role).join(', ')}`)
    const killSummary = summarize(watch.samples, { from: killsFrom, restoredAt: lastRestart })

    // Disk full: the stateful workers' tmpfs filled to ENOSPC while the market keeps ordering.
    let disk: { injectedAt: number; restoredAt: number; bytes: number; exitsBefore: number } | undefined
    if (privateDisk) {
      await sleep(plan.calmMs)
      const exitsBefore = unexpectedExits.length
      const injectedAt = Date.now()
      const fills = STATEFUL.map((role) => {
        const life = workers.get(role)!
        return fillDisk(life.child.pid!, life.stateDir)
      })
      report(`${DISK_FAULT}: ${fills.map((f) => f.bytes).join(' + ')} bytes written until ENOSPC`)
      await sleep(plan.diskFullMs)
      for (const f of fills) f.free()
      const restoredAt = Date.now()
      disk = { injectedAt, restoredAt, bytes: fills.reduce((n, f) => n + f.bytes, 0), exitsBefore }
      await waitFor('every commerce worker running after the disk was freed', allRunning, {
        timeoutMs: 180_000,
      }).catch(() => undefined)
      watch.sample()
      await sleep(plan.calmMs)
    }

    trafficOn = false
    await trafficLoop
    const { pending } = await deliverUntilTerminal(backend, registry, names, plan.settleMs)
    report(`commerce settled: ${pending} orders not terminal`)
    watch.stop()
    const outcome = await checkCommerce(backend, registry, names, ledgerPath)
    const shared = [
      `one commerce run holds both faults (${outcome.report.orders} orders: ${JSON.stringify(outcome.report.byState)}); its figures are the run's`,
    ]
    results.push({
      name: SIGKILL_FAULT,
      injected: `${kills.length} SIGKILLs, every ${plan.killEveryMs / 2000}-${(plan.killEveryMs * 1.5) / 1000} s, each worker started again at once: ${kills.map((k) => k.role).join(', ')}`,
      injectedAt: killsFrom,
      restoredAt: lastRestart,
      deliveries: outcome.deliveries,
      duplicatesAllowed: [],
      ...(killSummary.readyAfterMs === undefined ? {} : { readyAfterMs: killSummary.readyAfterMs }),
      statesDuring: killSummary.statesDuring,
      lies: [
        ...(killSummary.readyAfterMs === undefined
          ? ['not every worker was ready again after the kills']
          : []),
        ...kills
          .filter((k) => !killSummary.notReadyDuring.includes(k.role))
          .map((k) => `${k.role} was killed and never said not ready`),
      ],
      violations: outcome.report.violations.slice(0, 20),
      notes: [
        ...shared,
        `restart to running, per kill (ms): ${restarts.join(', ')}`,
        ...unexpectedExits.filter((_, i) => disk === undefined || i < disk.exitsBefore),
      ],
    })
    if (disk === undefined || noTmpfs !== undefined)
      results.push({
        name: DISK_FAULT,
        injected: 'nothing: a state directory on a tmpfs of its own is not available here',
        ...(noTmpfs === undefined ? {} : { skipped: noTmpfs }),
        deliveries: {},
        duplicatesAllowed: [],
        statesDuring: {},
        lies: [],
        violations: [],
        notes: [],
      })
    else {
      const summary = summarize(watch.samples, { from: disk.injectedAt, restoredAt: disk.restoredAt })
      const exits = unexpectedExits.slice(disk.exitsBefore)
      for (const role of STATEFUL) {
        const life = workers.get(role)
        if (life !== undefined) sawDiskFull(role, life)
      }
      const enospc = STATEFUL.filter((role) => diskFullLogged.has(role))
      results.push({
        name: DISK_FAULT,
        injected: `the state tmpfs (${64} MiB each, unshare -m) of ${STATEFUL.join(' and ')} filled to ENOSPC (${(disk.bytes / 1048576).toFixed(0)} MiB written) for ${((disk.restoredAt - disk.injectedAt) / 1000).toFixed(1)} s, then freed`,
        injectedAt: disk.injectedAt,
        restoredAt: disk.restoredAt,
        deliveries: outcome.deliveries,
        duplicatesAllowed: [],
        ...(summary.readyAfterMs === undefined ? {} : { readyAfterMs: summary.readyAfterMs }),
        statesDuring: summary.statesDuring,
        lies: [
          ...(summary.readyAfterMs === undefined
            ? ['not every worker was ready again after the disk was freed']
            : []),
          ...exits
            .map((e) => e.split(' ')[0] ?? '')
            .filter((role) => !summary.notReadyDuring.includes(role))
            .map((role) => `${role} exited and never said not ready`),
        ],
        violations: outcome.report.violations.slice(0, 20),
        notes: [
          ...shared,
          exits.length === 0
            ? 'no worker exited while its disk was full'
            : `exited while the disk was full, started again by the suite's supervisor: ${exits.join('; ')}`,
          enospc.length === 0
            ? "no ENOSPC in the workers' logs"
            : `ENOSPC or LMDB errors logged by: ${enospc.join(', ')}`,
        ],
      })
    }
    return results
  } finally {
    trafficOn = false
    clearInterval(supervisor)
    watch.stop()
    for (const life of workers.values()) {
      killed.add(life)
      life.child.kill('SIGTERM')
    }
    await Promise.all(
      [...workers.values()].map(
        (life) =>
          life.exit !== undefined ||
          new Promise<void>((resolve) => {
            const force = setTimeout(() => life.child.kill('SIGKILL'), 15_000)
            life.child.once('exit', () => (clearTimeout(force), resolve()))
          }),
      ),
    )
    await trafficLoop.catch(() => {})
    await backend.close()
  }
}
