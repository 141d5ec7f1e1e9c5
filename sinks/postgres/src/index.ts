export * from './errors.ts'
export * from './executor.ts'
export * from './read-model.ts'
