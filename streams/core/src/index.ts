export * from './serde.ts'
