import {
  type Admin,
  type AclOperationTypes,
  type AclPermissionTypes,
  type AclResourceTypes,
  type ResourcePatternTypes,
} from 'kafkajs'
import type { KafkaConnection } from '../connection.ts'
import { alterScramCredentials } from '../scram-credentials.ts'
import type { KafkaAclOperation, KafkaAclRule, ScramMechanism, SecurityAdmin } from '../security-admin.ts'
import { brokerError } from './broker-errors.ts'
import { connectKafkaJsAdmin, type ClusterAdminOptions } from './cluster-admin.ts'

// Kafka protocol values; kafkajs declares them as TypeScript enums it does not export to ES modules.
const RESOURCE = { topic: 2, group: 3, cluster: 4, transactionalId: 5 } as Record<
  KafkaAclRule['resource']['type'],
  AclResourceTypes
>
const PATTERN = { literal: 3, prefix: 4 } as Record<
  KafkaAclRule['resource']['patternType'],
  ResourcePatternTypes
>
const OPERATION = {
  All: 2,
  Read: 3,
  Write: 4,
  Create: 5,
  Delete: 6,
  Alter: 7,
  Describe: 8,
  ClusterAction: 9,
  DescribeConfigs: 10,
  AlterConfigs: 11,
  IdempotentWrite: 12,
} as Record<KafkaAclOperation, AclOperationTypes>
const ALLOW = 3 as AclPermissionTypes
const ANY = 1

const principal = (user: string): string => `User:${user}`

class KafkaJsSecurityAdmin implements SecurityAdmin {
  constructor(
    private readonly admin: Admin,
    private readonly connection: KafkaConnection,
    private readonly clientId: string,
  ) {}

  upsertScramUser(
    user: string,
    password: string,
    mechanism: ScramMechanism = 'scram-sha-512',
  ): Promise<void> {
    return alterScramCredentials(this.connection, [{ kind: 'upsert', user, password, mechanism }], {
      clientId: this.clientId,
    })
  }

  deleteScramUser(user: string, mechanism: ScramMechanism = 'scram-sha-512'): Promise<void> {
    return alterScramCredentials(this.connection, [{ kind: 'delete', user, mechanism }], {
      clientId: this.clientId,
    })
  }

  async createAcls(user: string, rules: readonly KafkaAclRule[]): Promise<void> {
    const acl = rules.flatMap((rule) =>
      rule.operations.map((operation) => ({
        resourceType: RESOURCE[rule.resource.type],
        resourceName: rule.resource.name,
        resourcePatternType: PATTERN[rule.resource.patternType],
        principal: principal(user),
        host: '*',
        operation: OPERATION[operation],
        permissionType: ALLOW,
      })),
    )
    if (acl.length === 0) return
    try {
      await this.admin.createAcls({ acl })
    } catch (error) {
      throw brokerError(`creating ${acl.length} ACLs for ${principal(user)}`, error)
    }
  }

  async deleteAcls(user: string): Promise<number> {
    try {
      const { filterResponses } = await this.admin.deleteAcls({
        filters: [
          {
            resourceType: ANY as AclResourceTypes,
            resourcePatternType: ANY as ResourcePatternTypes,
            principal: principal(user),
            operation: ANY as AclOperationTypes,
            permissionType: ANY as AclPermissionTypes,
          },
        ],
      })
      return filterResponses.reduce((n, r) => n + r.matchingAcls.length, 0)
    } catch (error) {
      throw brokerError(`deleting the ACLs of ${principal(user)}`, error)
    }
  }

  close(): Promise<void> {
    return this.admin.disconnect()
  }
}

/**
 * A connected admin for users and ACLs. SCRAM users are made on a listener without SASL (the request is
 * not one kafkajs speaks; see scram-credentials.ts), as the local stack's plain listener is.
 */
export async function connectSecurityAdmin(
  connection: KafkaConnection,
  options: ClusterAdminOptions = {},
): Promise<SecurityAdmin> {
  const clientId = options.clientId ?? 'oxagry-security-admin'
  const admin = await connectKafkaJsAdmin(connection, { ...options, clientId })
  return new KafkaJsSecurityAdmin(admin, connection, clientId)
}
