import type { AclOperation, AclResourceType, AclRule } from './model.ts'

/** Operations that imply Describe, as Kafka's authorizer has it. */
const IMPLIES_DESCRIBE: readonly AclOperation[] = ['Read', 'Write', 'Delete', 'Alter']

export interface AclRequest {
  readonly type: AclResourceType
  readonly name: string
  readonly operation: AclOperation
}

/** Whether allow-only rules let a request through, matching names as Kafka does (literal or prefix). */
export function permits(rules: readonly AclRule[], request: AclRequest): boolean {
  return rules.some((rule) => {
    const { resource } = rule
    if (resource.type !== request.type) return false
    const named =
      resource.patternType === 'literal'
        ? resource.name === request.name || resource.name === '*'
        : request.name.startsWith(resource.name)
    if (!named) return false
    return rule.operations.some(
      (op) =>
        op === 'All' ||
        op === request.operation ||
        (request.operation === 'Describe' && IMPLIES_DESCRIBE.includes(op)) ||
        (request.operation === 'DescribeConfigs' && op === 'AlterConfigs'),
    )
  })
}
