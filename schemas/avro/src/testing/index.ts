export * from './samples.ts'
export * from './fixtures.ts'
export * from './plain.ts'
