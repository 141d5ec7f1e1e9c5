export * from './registry.ts'
export * from './app.ts'
