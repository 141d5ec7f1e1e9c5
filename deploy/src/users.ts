import { CLUSTER_NAME, STRIMZI_API_VERSION } from '@oxagry/strimzi'
import type { AclRule } from './acl/model.ts'
import { aclRules } from './acl/rules.ts'
import { APPLICATIONS, type ApplicationEntry } from './apps.ts'
import { DEPLOY_ERROR_CODES, DeployError } from './errors.ts'
import { PART_OF } from './labels.ts'
import type { Workload } from './workloads.ts'

function entry(registry: readonly ApplicationEntry[], name: string, workload: string): ApplicationEntry {
  const found = registry.filter((a) => a.name === name)
  if (found.length !== 1) {
    throw new DeployError(
      DEPLOY_ERROR_CODES.UNKNOWN_APPLICATION,
      `workload ${workload} runs application ${name}, which the registry holds ${found.length} times`,
      { context: { workload, application: name } },
    )
  }
  return found[0] as ApplicationEntry
}

/** The ACLs of a workload: those of the applications it runs, computed from their code. */
export async function workloadAcls(
  workload: Workload,
  registry: readonly ApplicationEntry[] = APPLICATIONS,
): Promise<AclRule[]> {
  const accesses = await Promise.all(
    workload.applications.map((name) => entry(registry, name, workload.name).access()),
  )
  return aclRules(accesses)
}

/** The workload's KafkaUser: SCRAM-SHA-512, the Secret of the same name holding its password. */
export async function kafkaUser(
  workload: Workload,
  registry: readonly ApplicationEntry[] = APPLICATIONS,
): Promise<Record<string, unknown>> {
  return {
    apiVersion: STRIMZI_API_VERSION,
    kind: 'KafkaUser',
    metadata: {
      name: workload.name,
      labels: { 'strimzi.io/cluster': CLUSTER_NAME, ...PART_OF },
      annotations: { 'oxagry.dev/applications': workload.applications.join(',') },
    },
    spec: {
      authentication: { type: 'scram-sha-512' },
      authorization: { type: 'simple', acls: await workloadAcls(workload, registry) },
    },
  }
}
