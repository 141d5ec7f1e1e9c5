type Close = () => Promise<void>

/**
 * The clients a backend handed out and their owners have not closed yet, so the backend's `close()`
 * can close them: a client's own close (or a consumer's stop) is wrapped to forget it.
 */
export class OpenClients {
  private readonly open = new Set<Close>()

  track<K extends 'close' | 'stop', T extends Record<K, Close>>(client: T, method: K): T {
    const close: Close = client[method].bind(client)
    const closeOnce: Close = async () => {
      this.open.delete(closeOnce)
      await close()
    }
    this.open.add(closeOnce)
    client[method] = closeOnce as T[K]
    return client
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.open].map((close) => close()))
  }
}
