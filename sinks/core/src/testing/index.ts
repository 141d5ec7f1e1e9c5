export * from './samples.ts'
export * from './read-model-contract.ts'
export * from './fake-target.ts'
