/** What one part (an application, a sink, a worker) says about itself at one moment. */
export interface PartHealth {
  readonly ready: boolean
  readonly state: string
  /** False once the part has failed for good (a liveness probe would restart it); true when unsaid. */
  readonly live?: boolean
  /** Why it failed, when it says. */
  readonly error?: string
}

export interface HealthSample {
  readonly at: number
  readonly parts: Readonly<Record<string, PartHealth>>
}

/** Samples the parts' health on an interval, as a readiness probe would, until stopped. */
export class HealthWatch {
  readonly samples: HealthSample[] = []
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly read: () => Readonly<Record<string, PartHealth>>,
    private readonly everyMs = 250,
  ) {}

  start(): this {
    this.sample()
    this.timer = setInterval(() => this.sample(), this.everyMs)
    return this
  }

  sample(): HealthSample {
    const taken = { at: Date.now(), parts: this.read() }
    this.samples.push(taken)
    return taken
  }

  stop(): void {
    clearInterval(this.timer)
  }
}

export interface HealthWindow {
  /** When the fault was injected. */
  readonly from: number
  /** When the service was back (or the fault lifted). */
  readonly restoredAt: number
}

export interface HealthSummary {
  /** Per part, the distinct states it reported from the injection until it was ready again, in order. */
  readonly statesDuring: Readonly<Record<string, readonly string[]>>
  /** The parts that said they were not ready at some point during the fault. */
  readonly notReadyDuring: readonly string[]
  /** Per part that said so, from the injection until it first said not ready: how long it took to notice. */
  readonly notReadyAfterMs: Readonly<Record<string, number>>
  /** Per part that said not ready, from the service being back until it said ready for good (0: before). */
  readonly readyAgainAfterMs: Readonly<Record<string, number>>
  /** From the service being back until every part said ready; undefined when that never happened. */
  readonly readyAfterMs: number | undefined
}

/** What the parts said from a fault's injection until they were all ready again after it. */
export function summarize(samples: readonly HealthSample[], window: HealthWindow): HealthSummary {
  const allReady = (s: HealthSample): boolean =>
    Object.keys(s.parts).length > 0 && Object.values(s.parts).every((p) => p.ready)
  const back = samples.find((s) => s.at >= window.restoredAt && allReady(s))
  const end = back?.at ?? Infinity
  const statesDuring: Record<string, string[]> = {}
  const notReady = new Set<string>()
  const notReadyAfterMs: Record<string, number> = {}
  const readyAgainAt: Record<string, number | undefined> = {}
  for (const s of samples) {
    if (s.at < window.from || s.at > end) continue
    for (const [part, h] of Object.entries(s.parts)) {
      const seen = (statesDuring[part] ??= [])
      const label = h.ready ? h.state : `${h.state} (not ready)`
      if (seen.at(-1) !== label) seen.push(label)
      if (!h.ready && !notReady.has(part)) {
        notReady.add(part)
        notReadyAfterMs[part] = s.at - window.from
      }
      if (!h.ready) readyAgainAt[part] = undefined
      else if (notReady.has(part)) readyAgainAt[part] ??= s.at
    }
  }
  return {
    statesDuring,
    notReadyDuring: [...notReady].sort(),
    notReadyAfterMs,
    readyAgainAfterMs: Object.fromEntries(
      Object.entries(readyAgainAt).flatMap(([part, at]) =>
        at === undefined ? [] : [[part, Math.max(0, at - window.restoredAt)]],
      ),
    ),
    readyAfterMs: back === undefined ? undefined : back.at - window.restoredAt,
  }
}

/**
 * Health tells the truth about a fault when every part that cannot work through it (`mustNotBeReady`)
 * said so during it, and every part said ready again on its own afterwards: one line per lie.
 */
export function healthLies(summary: HealthSummary, mustNotBeReady: readonly string[]): string[] {
  const lies = mustNotBeReady
    .filter((part) => !summary.notReadyDuring.includes(part))
    .map((part) => `${part} said ready throughout although it could not work`)
  if (summary.readyAfterMs === undefined) lies.push('not every part was ready again after the fault')
  return lies
}
