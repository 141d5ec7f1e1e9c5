import type { MachinePosition, PositionFeed } from '../ports.ts'

/**
 * The latest position per machine, kept from the positions topic, and the listeners to tell. A position
 * older than the one held (a late record, a replay) is ignored, so the feed never moves a machine back.
 */
export class LatestPositions implements PositionFeed {
  private readonly positions = new Map<string, MachinePosition>()
  private readonly listeners = new Set<(position: MachinePosition) => void>()

  publish(position: MachinePosition): boolean {
    const held = this.positions.get(position.machineId)
    if (held !== undefined && held.eventTime > position.eventTime) return false
    this.positions.set(position.machineId, position)
    for (const listener of this.listeners) listener(position)
    return true
  }

  latest(): Iterable<MachinePosition> {
    return this.positions.values()
  }

  get size(): number {
    return this.positions.size
  }

  subscribe(listener: (position: MachinePosition) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }
}
