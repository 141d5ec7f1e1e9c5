import { FAULTS_ERROR_CODES, FaultsError } from './errors.ts'

/** The suite's two forms: `short` for CI (brief outages, few kills), `full` as issue #14 item 9 asks. */
export const FaultsMode = { SHORT: 'short', FULL: 'full' } as const
export type FaultsMode = (typeof FaultsMode)[keyof typeof FaultsMode]

/** How hard each fault hits, per form. */
export interface FaultPlan {
  readonly mode: FaultsMode
  /** How long the broker, the registry and each store stay down; ms. */
  readonly outageMs: number
  /** Traffic before and after each fault, so every fault lands mid-stream; ms. */
  readonly calmMs: number
  /** Commerce workers SIGKILLed, one at a time, at random points. */
  readonly kills: number
  /** Time between two kills; ms. */
  readonly killEveryMs: number
  /** How long the commerce workers' state directories stay full; ms. */
  readonly diskFullMs: number
  /** The simulated fleet: machines, each pinging every `pingEveryS` seconds. */
  readonly machines: number
  readonly pingEveryS: number
  /** The simulated market's checkouts per second. */
  readonly ordersPerSecond: number
  /** How long every output may take to catch up once the faults are over; ms. */
  readonly settleMs: number
}

export const PLANS: Readonly<Record<FaultsMode, FaultPlan>> = {
  short: {
    mode: 'short',
    // Longer than the sinks' clients wait for a server (MongoDB's server selection: 5 s), so each store
    // sink meets a failed write and must say so.
    outageMs: 10_000,
    calmMs: 3_000,
    kills: 4,
    killEveryMs: 4_000,
    diskFullMs: 6_000,
    machines: 30,
    pingEveryS: 2,
    ordersPerSecond: 5,
    settleMs: 120_000,
  },
  full: {
    mode: 'full',
    outageMs: 60_000,
    calmMs: 10_000,
    kills: 20,
    killEveryMs: 5_000,
    diskFullMs: 60_000,
    machines: 60,
    pingEveryS: 2,
    ordersPerSecond: 8,
    settleMs: 300_000,
  },
}

/** The suite's two halves; `--only` runs one of them (a fix to one half need not wait for the other). */
export const SuitePart = { TRACKING: 'tracking', COMMERCE: 'commerce' } as const
export type SuitePart = (typeof SuitePart)[keyof typeof SuitePart]
const SUITE_PARTS: readonly SuitePart[] = Object.values(SuitePart)

export interface CliOptions {
  readonly plan: FaultPlan
  /** The halves to run: both unless `--only` names one. */
  readonly parts: readonly SuitePart[]
  /** Where the markdown report goes; stdout when not given. */
  readonly reportFile?: string
  /** The private stack's first port (eight consecutive ones). */
  readonly portBase: number
}

export const DEFAULT_PORT_BASE = 19_300

export const USAGE =
  'usage: npm run faults -- [--short|--full] [--report FILE] [--port-base N] [--only tracking|commerce]'

/** Reads the command line once; a bad argument is a typed error naming it. */
export function parseArgs(argv: readonly string[]): CliOptions {
  let mode: FaultsMode = 'short'
  let reportFile: string | undefined
  let portBase = DEFAULT_PORT_BASE
  let parts: readonly SuitePart[] = SUITE_PARTS
  const bad = (message: string): FaultsError =>
    new FaultsError(FAULTS_ERROR_CODES.INVALID_OPTIONS, `${message}\n${USAGE}`)
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    switch (arg) {
      case '--short':
      case '--full':
        mode = arg === '--short' ? 'short' : 'full'
        break
      case '--report': {
        const file = argv[++i]
        if (file === undefined || file.startsWith('--')) throw bad('--report needs a file')
        reportFile = file
        break
      }
      case '--port-base': {
        const value = Number(argv[++i])
        if (!Number.isInteger(value) || value < 1024 || value > 65_530)
          throw bad('--port-base must be an integer from 1024 to 65530')
        portBase = value
        break
      }
      case '--only': {
        const part = argv[++i]
        if (!SUITE_PARTS.includes(part as SuitePart))
          throw bad(`--only takes one of ${SUITE_PARTS.join(', ')}`)
        parts = [part as SuitePart]
        break
      }
      default:
        throw bad(`unknown argument ${JSON.stringify(arg)}`)
    }
  }
  return { plan: PLANS[mode], parts, portBase, ...(reportFile === undefined ? {} : { reportFile }) }
}
