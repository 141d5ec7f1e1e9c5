import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { runCommerceFaults } from './commerce-faults.ts'
import { SuitePart, type FaultPlan } from './options.ts'
import { startPrivateStack } from './private-stack.ts'
import type { SuiteResult } from './result.ts'
import { runTrackingFaults } from './tracking-faults.ts'

/**
 * The whole suite: a private stack, the tracking pipeline through the broker, registry and store
 * outages, the commerce flow through SIGKILLs and a full disk; the private stack removed at the end.
 */
export async function runSuite(
  plan: FaultPlan,
  options: { portBase: number; parts?: readonly SuitePart[]; report?: (line: string) => void },
): Promise<SuiteResult> {
  const report = options.report ?? ((line: string) => console.error(`[faults] ${line}`))
  const startedAt = Date.now()
  const stateDir = mkdtempSync(join(tmpdir(), 'oxagry-faults-'))
  const stack = await startPrivateStack(options.portBase, report)
  const stackStartMs = Date.now() - startedAt
  // Interrupted, the private stack goes too: none of its processes outlives the suite.
  const interrupted = (): void => void stack.close().finally(() => process.exit(130))
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  try {
    const logger = pino({ level: process.env.FAULTS_LOG_LEVEL ?? 'silent' })
    const parts = options.parts ?? Object.values(SuitePart)
    const tracking = parts.includes('tracking')
      ? await runTrackingFaults(stack, plan, { stateDir, logger, report })
      : []
    const commerce = parts.includes('commerce')
      ? await runCommerceFaults(stack, plan, { stateDir, report })
      : []
    return {
      mode: plan.mode,
      startedAt,
      durationMs: Date.now() - startedAt,
      stackStartMs,
      faults: [...tracking, ...commerce],
    }
  } finally {
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
    await stack.close()
    rmSync(stateDir, { recursive: true, force: true })
  }
}
