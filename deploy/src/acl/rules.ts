import {
  ACL_OPERATIONS,
  type AclOperation,
  type AclPatternType,
  type AclResourceType,
  type AclRule,
  type KafkaAccess,
} from './model.ts'

const TYPE_ORDER: readonly AclResourceType[] = ['topic', 'group', 'transactionalId', 'cluster']

/**
 * The ACL rules that allow the union of some applications' access and nothing more: one rule per
 * resource with its operations, in a stable order (resource type, then name, literal before prefix).
 */
export function aclRules(accesses: readonly KafkaAccess[]): AclRule[] {
  const byResource = new Map<
    string,
    { type: AclResourceType; name: string; patternType: AclPatternType; ops: Set<AclOperation> }
  >()
  const grant = (
    type: AclResourceType,
    name: string,
    patternType: AclPatternType,
    ops: readonly AclOperation[],
  ): void => {
    const key = `${type}\u0000${patternType}\u0000${name}`
    const entry = byResource.get(key) ?? { type, name, patternType, ops: new Set<AclOperation>() }
    for (const op of ops) entry.ops.add(op)
    byResource.set(key, entry)
  }
  for (const a of accesses) {
    for (const t of a.readTopics) grant('topic', t, 'literal', ['Read', 'Describe'])
    for (const t of a.writeTopics) grant('topic', t, 'literal', ['Write', 'Describe'])
    for (const p of a.topicPrefixes) grant('topic', p, 'prefix', ['Read', 'Write', 'Create', 'Describe'])
    for (const g of a.groups) grant('group', g, 'literal', ['Read', 'Describe'])
    for (const p of a.groupPrefixes) grant('group', p, 'prefix', ['Read', 'Describe'])
    for (const p of a.transactionalIdPrefixes) grant('transactionalId', p, 'prefix', ['Write', 'Describe'])
  }
  return [...byResource.values()]
    .sort(
      (x, y) =>
        TYPE_ORDER.indexOf(x.type) - TYPE_ORDER.indexOf(y.type) ||
        x.name.localeCompare(y.name) ||
        x.patternType.localeCompare(y.patternType),
    )
    .map((e) => ({
      resource: { type: e.type, name: e.name, patternType: e.patternType },
      operations: ACL_OPERATIONS.filter((op) => e.ops.has(op)),
    }))
}
