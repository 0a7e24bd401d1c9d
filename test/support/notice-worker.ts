/**
 * A separate bot process for the notice crash test: drains the notice queue of the test database
 * into the test's fake Slack, at a pace, until killed.
 *   node --import tsx test/support/notice-worker.ts   with MONGODB_URI, WORKER_DB_NAME, WORKER_SLACK_API_URL
 */
import { WebClient, LogLevel as WebLogLevel } from '@slack/web-api';
import { connectDatabase } from '../../src/db/index.js';
import { createPacer } from '../../src/licensing/notices/pacer.js';
import { drainNotices } from '../../src/licensing/notices/queue.js';
import { createLogger } from '../../src/logger.js';
import { createSlackNoticeSender } from '../../src/slack/notifiers/notice-sender.js';
import { withRepositories } from './database.js';

const { MONGODB_URI: uri, WORKER_DB_NAME: dbName, WORKER_SLACK_API_URL: slackApiUrl } = process.env;
if (!uri || !dbName || !slackApiUrl) throw new Error('MONGODB_URI, WORKER_DB_NAME and WORKER_SLACK_API_URL are required');

const db = await withRepositories(await connectDatabase({ uri, dbName }));
const { notices, identities, store } = db.repositories;
const client = new WebClient('xoxb-worker', {
  slackApiUrl,
  rejectRateLimitedCalls: true,
  retryConfig: { retries: 0 },
  logLevel: WebLogLevel.ERROR,
});
const sender = createSlackNoticeSender({
  client,
  identities,
  store,
  now: () => new Date(),
  logger: createLogger('error', {}, (line) => process.stderr.write(`${line}\n`)),
});
process.stdout.write('ready\n');
await drainNotices({ notices, now: () => new Date() }, sender, {
  pacer: createPacer(Number(process.env.WORKER_PACE ?? 3_000)),
  maxRunMs: 120_000,
});
process.stdout.write('drained\n');
await db.close();
