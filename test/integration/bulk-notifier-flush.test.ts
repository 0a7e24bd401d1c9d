import { webApi } from '@slack/bolt';
import { submitBulkRequest } from '../../src/licensing/bulk/requests.js';
import { bulkFailures, bulkProgressCounts, runBulkJob } from '../../src/licensing/bulk/runner.js';
import { createSlackBulkNotifier } from '../../src/slack/notifiers/bulk-notifier.js';
import { bulkDeps, givenManyLearners, quietLogger } from '../support/bulk-fixtures.js';
import { openTestDatabase } from '../support/database.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { givenLicenseTypes } from '../support/fixtures.js';

/**
 * A process stopped right after a job finished (a deploy, a scale-down): the progress message's
 * last edit waits for its turn behind the one just sent. Stopping must send it, not drop it (the
 * message would read "running" for good) nor let its timer fire after the database is closed.
 */
type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
let slack: FakeSlack;

beforeEach(async () => {
  db = await openTestDatabase();
  slack = await startFakeSlack();
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 100 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
});
afterEach(async () => {
  await slack.close();
  await db.drop();
});

it('sends the final progress edit that waits for its turn when the process stops', async () => {
  const deps = { ...bulkDeps(db), notices: db.repositories.notices };
  const client = new webApi.WebClient('xoxb-test', { slackApiUrl: slack.apiUrl });
  // Edits at most once a minute: the final one, right after a progress edit, has to wait.
  const notifier = createSlackBulkNotifier({ client, deps, logger: quietLogger(), minIntervalMs: 60_000 });

  await givenManyLearners(db, 10, { licenseTypes: ['core'] });
  const { request } = await submitBulkRequest(
    deps,
    { userId: 'UADMIN1', source: 'slack', channelId: 'CSALES' },
    { selection: {}, change: { kind: 'reassign', from: 'core', to: 'pro' }, reason: 'renewal' },
  );
  await deps.bulk.setProgressMessage(request.id, { channel: 'CSALES', ts: '1700000000.000001' });
  const running = await deps.bulk.getBulkRequest(request.id);
  if (!running) throw new Error('the request is gone');
  await notifier.progress(running, bulkProgressCounts(running));
  await slack.waitFor('chat.update', (c) => c.ok, 5_000);

  await runBulkJob(deps, request.id);
  const finished = await deps.bulk.getBulkRequest(request.id);
  if (!finished) throw new Error('the request is gone');
  const summary = { requestId: finished.id, status: finished.status, ...bulkProgressCounts(finished) };
  await notifier.finished(finished, summary, bulkFailures(deps, finished.id));
  expect(slack.callsTo('chat.update')).toHaveLength(1);

  await notifier.flush();
  const edits = slack.callsTo('chat.update');
  expect(edits).toHaveLength(2);
  expect(edits[1]?.ok).toBe(true);
  expect(String(edits[1]?.body.text)).toContain('10 of 10 processed (10 changed');
  expect(String(edits[0]?.body.text)).toContain('0 of 10 processed');
});
