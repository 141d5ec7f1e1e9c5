export * from './errors.ts'
export * from './signature.ts'
export * from './notification.ts'
