/**
 * When a windowed aggregation emits, as Kafka Streams' EmitStrategy (KIP-825): on every update of a
 * window (the default), or once per window, its final result, when the window closes.
 */
export type EmitStrategy = { readonly type: 'onWindowUpdate' } | { readonly type: 'onWindowClose' }

export const EmitStrategy = {
  /** Every update of a window is emitted at once (Kafka's default). */
  onWindowUpdate: (): EmitStrategy => ({ type: 'onWindowUpdate' }),
  /**
   * Each window's final result is emitted once, when the aggregation's stream time passes its end plus
   * grace (a session: its end plus gap plus grace), and nothing before.
   */
  onWindowClose: (): EmitStrategy => ({ type: 'onWindowClose' }),
} as const
