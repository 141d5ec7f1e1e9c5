/**
 * The running member of each group in this process, as its consumer last reported it: what a
 * transaction's offsets carry (KIP-447). Each consumer reports through its own `reporter`, so one that
 * stops after its replacement joined leaves the replacement's entry alone.
 */
export class GroupMembers<M> {
  private readonly members = new Map<string, { readonly member: M; readonly of: object }>()

  /** For one consumer of `groupId`: its member as it joins, undefined once it stops. */
  reporter(groupId: string): (member: M | undefined) => void {
    const of = {}
    return (member) => {
      if (member !== undefined) this.members.set(groupId, { member, of })
      else if (this.members.get(groupId)?.of === of) this.members.delete(groupId)
    }
  }

  get(groupId: string): M | undefined {
    return this.members.get(groupId)?.member
  }
}
