import { statusOf, type MachinePosition, type MachineStatus } from './ports.ts'

export interface MachineView extends Omit<MachinePosition, 'eventTime'> {
  readonly status: MachineStatus
  readonly eventTime: string
}

/** A machine as the API shows it: times as ISO 8601, and its derived status. */
export function machineView(position: MachinePosition): MachineView {
  return { ...position, status: statusOf(position), eventTime: new Date(position.eventTime).toISOString() }
}
