export * from './config.ts'
export * from './errors.ts'
export * from './service.ts'
export * from './stack.ts'
