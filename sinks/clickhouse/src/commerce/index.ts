export * from './rows.ts'
export * from './writes.ts'
export * from './target.ts'
