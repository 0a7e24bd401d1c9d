import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { WebClient, LogLevel as WebLogLevel } from '@slack/web-api';
import { modelsFor } from '../../src/db/models/index.js';
import { createPacer } from '../../src/licensing/notices/pacer.js';
import { drainNotices, enqueueNotices, noticeCounts } from '../../src/licensing/notices/queue.js';
import { createLogger } from '../../src/logger.js';
import { createSlackNoticeSender } from '../../src/slack/notifiers/notice-sender.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { givenLicenseTypes } from '../support/fixtures.js';
import { someNotices } from '../support/notices.js';

let db: TestDatabase;
let slack: FakeSlack;
let worker: ChildProcess | undefined;

beforeEach(async () => {
  db = await openTestDatabase();
  slack = await startFakeSlack();
});
afterEach(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await slack.close();
  await db.drop();
});

describe('a notice drainer whose process is killed', () => {
  it('leaves nothing unsent and nothing sent twice once another process takes over', async () => {
    await givenLicenseTypes(db, [
      { key: 'core', name: 'Learning Core', capacity: null },
      { key: 'pro', name: 'Learning Pro', capacity: null },
    ]);
    const count = 200;
    for (let i = 0; i < count; i += 1) slack.addUser({ id: `UL${i}`, email: `learner${i}@example.com` });
    await enqueueNotices({ notices: db.repositories.notices, now: () => new Date() }, someNotices(count));

    worker = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/support/notice-worker.ts')], {
      env: { ...process.env, WORKER_DB_NAME: db.connection.name, WORKER_SLACK_API_URL: slack.apiUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = worker;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Killed the moment Slack has its 60th DM: most likely before it recorded that it sent it.
    await slack
      .waitFor('chat.postMessage', () => slack.callsTo('chat.postMessage').length >= 60, 60_000)
      .catch((error: Error) => {
        throw new Error(`${error.message}\nworker stderr: ${stderr}`);
      });
    child.kill('SIGKILL');
    await exited;
    const beforeTakeOver = slack.callsTo('chat.postMessage').length;
    expect(beforeTakeOver).toBeLessThan(count);
    // Its leases would run out in a minute; let them run out now.
    await modelsFor(db.connection).Notice.updateMany({ leaseToken: { $ne: null } }, { $set: { leaseUntil: new Date(Date.now() - 1) } });

    const client = new WebClient('xoxb-survivor', {
      slackApiUrl: slack.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      logLevel: WebLogLevel.ERROR,
    });
    const sender = createSlackNoticeSender({
      client,
      identities: db.repositories.identities,
      store: db.repositories.store,
      now: () => new Date(),
      logger: createLogger('error', {}, () => undefined),
    });
    await drainNotices({ notices: db.repositories.notices, now: () => new Date() }, sender, { pacer: createPacer(60_000) });

    for (let i = 0; i < count; i += 1) expect(slack.messagesIn(`UL${i}`)).toHaveLength(1);
    expect(await noticeCounts({ notices: db.repositories.notices }, 'bulk:test')).toEqual({
      waiting: 0,
      sent: count,
      noAccount: 0,
      failed: 0,
    });
  }, 90_000);
});
