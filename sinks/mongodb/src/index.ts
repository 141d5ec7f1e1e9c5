export * from './errors.ts'
export * from './read-model.ts'
