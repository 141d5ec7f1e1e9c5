import type { Workload } from '@oxagry/deploy'

/**
 * The Compose service that stands for a Kubernetes workload: `tracking` runs as itself, and every part
 * of tools/main (each its own workload on Kubernetes, `PLATFORM_PARTS=<part>`) runs in the one
 * `platform` service, which runs them all as `npm start` does.
 */
export function composeServiceOf(workload: Pick<Workload, 'name' | 'packageDir'>): string {
  return workload.packageDir === 'tools/main' ? 'platform' : workload.name
}
