/**
 * Whether a table node forwards old values, decided as Kafka Streams' `enableSendingOldValues` decides
 * it. The outputs depend on it in one place: a filter whose old and new values both fail its predicate
 * sends a tombstone unless it sends old values. A filter sends them when its parent already does
 * without being forced to (an aggregation, a named source table, a named filter or mapValues), or
 * when an operator downstream needs them (groupBy, suppress) and forces them.
 */
export class OldValues {
  private on: boolean

  private constructor(
    private readonly kind: 'source' | 'aggregate' | 'derived' | 'join',
    private readonly queryable: boolean,
    private readonly parent: OldValues | undefined,
    initially: boolean,
    private readonly joined: readonly OldValues[] = [],
  ) {
    this.on = initially
  }

  /**
   * A table-table join: it can always send old values, and when asked to it makes both tables it joins
   * send theirs (forced), as KTableKTableJoinMerger does.
   */
  static join(left: OldValues, right: OldValues): OldValues {
    return new OldValues('join', false, undefined, false, [left, right])
  }

  /** A table read from a topic or made by toTable(); queryable when its store was named. */
  static source(queryable: boolean): OldValues {
    return new OldValues('source', queryable, undefined, false)
  }

  /** The result of a count, reduce or aggregate: its store always holds the old value. */
  static aggregate(): OldValues {
    return new OldValues('aggregate', true, undefined, false)
  }

  /** mapValues (and suppress): old values when its own named store or its parent can give them. */
  static derived(parent: OldValues, queryable: boolean): OldValues {
    return new OldValues('derived', queryable, parent, false)
  }

  /** A filter asks its parent at construction, unforced, as KTableFilter's constructor does. */
  static filter(parent: OldValues, queryable: boolean): OldValues {
    return new OldValues('derived', queryable, parent, parent.enable(false))
  }

  get enabled(): boolean {
    return this.on
  }

  /** Turns old values on if this node can send them; `force` materializes a source table to do so. */
  enable(force: boolean): boolean {
    if (this.on) return true
    switch (this.kind) {
      case 'source':
        if (!force && !this.queryable) return false
        break
      case 'aggregate':
        break
      case 'join':
        for (const table of this.joined) table.enable(true)
        break
      case 'derived':
        if (!this.queryable && this.parent?.enable(force) !== true) return false
        break
    }
    this.on = true
    return true
  }
}
