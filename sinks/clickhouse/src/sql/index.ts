export * from './query.ts'
export * from './table.ts'
export * from './open.ts'
