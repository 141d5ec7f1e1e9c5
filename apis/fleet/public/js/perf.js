// Frame time in the browser: the gap between animation frames (what the eye sees; 16.7 ms at 60 Hz)
// and the script work of each frame that had any (decoding feed messages, drawing the machines), which
// is what this page adds to a frame. The browser test reads summary().

export class FrameStats {
  constructor(capacity = 4000) {
    this.capacity = capacity
    this.reset()
    const frame = (now) => {
      if (this.last !== undefined) this.push(this.frames, now - this.last)
      this.last = now
      if (this.pending > 0) this.push(this.work, this.pending)
      this.pending = 0
      requestAnimationFrame(frame)
    }
    requestAnimationFrame(frame)
  }

  reset() {
    this.frames = []
    this.work = []
    this.byLabel = {}
    this.pending = 0
    this.last = undefined
  }

  /** Times `fn` as work of the current frame, and under its label (`draw`, `update`…) on its own. */
  measure(label, fn) {
    const start = performance.now()
    try {
      return fn()
    } finally {
      const took = performance.now() - start
      this.pending += took
      this.push((this.byLabel[label] ??= []), took)
    }
  }

  push(list, value) {
    if (list.length < this.capacity) list.push(value)
  }

  summary() {
    return {
      frames: this.frames.length,
      busyFrames: this.work.length,
      frameMs: percentiles(this.frames),
      workMs: percentiles(this.work),
      byLabel: Object.fromEntries(
        Object.entries(this.byLabel).map(([label, values]) => [label, percentiles(values)]),
      ),
    }
  }
}

export function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return { median: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? 0 }
}
