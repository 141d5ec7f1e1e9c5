export * from './topology-test-driver.ts'
export * from './test-topics.ts'
