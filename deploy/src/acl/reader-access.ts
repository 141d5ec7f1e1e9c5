import { NO_ACCESS, type KafkaAccess } from './model.ts'

export interface ReaderApplicationSpec {
  /** The reader's client id: each read joins a throwaway group `<clientId>-<uuid>`. */
  readonly clientId: string
  readonly topics: readonly string[]
}

/** A live view's access: it reads whole topics outside any shared group (the API's position feed). */
export function readerAccess(application: string, spec: ReaderApplicationSpec): KafkaAccess {
  return { ...NO_ACCESS, application, readTopics: spec.topics, groupPrefixes: [`${spec.clientId}-`] }
}
