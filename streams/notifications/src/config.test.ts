import test from 'ava'
import { NOTIFICATIONS_ERROR_CODES } from './errors.ts'
import { readNotificationsEnv } from './config.ts'

test('defaults: both roles, the default group, the warehouse operator told of low stock, port 9469', (t) => {
  const env = readNotificationsEnv({})
  t.like(env, {
    role: 'both',
    workerGroupId: 'oxagry-notification-channels',
    applicationId: 'oxagry-notifications',
    httpPort: 9469,
    retry: {},
  })
  t.deepEqual(env.stockRecipients, ['operator:warehouse'])
})

test('values are read and every bad one is named', (t) => {
  const env = readNotificationsEnv({
    NOTIFICATIONS_ROLE: 'worker',
    NOTIFICATIONS_STOCK_RECIPIENTS: 'operator:north, operator:south',
    NOTIFICATIONS_RETRY_ATTEMPTS: '3',
    NOTIFICATIONS_SENT_LOG_PATH: '/tmp/sent.jsonl',
  })
  t.like(env, { role: 'worker', retry: { attempts: 3 }, sentLogPath: '/tmp/sent.jsonl' })
  t.deepEqual(env.stockRecipients, ['operator:north', 'operator:south'])
  const error = t.throws(() =>
    readNotificationsEnv({
      NOTIFICATIONS_ROLE: 'everything',
      NOTIFICATIONS_STOCK_RECIPIENTS: 'operator north',
      NOTIFICATIONS_RETRY_ATTEMPTS: '0',
    }),
  )
  t.is((error as { code?: string }).code, NOTIFICATIONS_ERROR_CODES.INVALID_OPTIONS)
  t.regex(error!.message, /NOTIFICATIONS_ROLE/)
  t.regex(error!.message, /NOTIFICATIONS_STOCK_RECIPIENTS/)
  t.regex(error!.message, /NOTIFICATIONS_RETRY_ATTEMPTS/)
})
