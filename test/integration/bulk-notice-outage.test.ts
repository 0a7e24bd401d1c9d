import { setTimeout as sleep } from 'node:timers/promises';
import { webApi } from '@slack/bolt';
import type { Agenda } from 'agenda';
import { stopAgenda } from '../../src/jobs/agenda.js';
import { type BulkJobServices, postCompletionNotice, sweepBulkRequests } from '../../src/jobs/index.js';
import { submitBulkRequest } from '../../src/licensing/bulk/requests.js';
import { bulkProgressCounts, runBulkJob } from '../../src/licensing/bulk/runner.js';
import { createSlackBulkNotifier } from '../../src/slack/notifiers/bulk-notifier.js';
import { startTestAgenda, waitFor } from '../support/bulk-agenda.js';
import { bulkDeps, givenManyLearners, quietLogger } from '../support/bulk-fixtures.js';
import { openTestDatabase } from '../support/database.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { givenLicenseTypes } from '../support/fixtures.js';

/**
 * A long Slack outage while a job finishes, scaled down: the notice claim lives 600 ms instead of
 * five minutes and Slack answers HTTP 500 for several claim lifetimes, while the sweep looks for
 * unposted notices ten times a second. The clock is moved past the sweep's one-minute grace.
 */
const CLAIM_MS = 600;

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
let slack: FakeSlack;
let agenda: Agenda | undefined;
let offsetMs = 0;

beforeEach(async () => {
  db = await openTestDatabase();
  slack = await startFakeSlack();
  offsetMs = 0;
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 100 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
});
afterEach(async () => {
  if (agenda) await stopAgenda(agenda, 5_000);
  agenda = undefined;
  await slack.close();
  await db.drop();
});

it('posts one completion notice and one DM through a Slack outage many claim lifetimes long, without waiting for progress edits', async () => {
  const deps = { ...bulkDeps(db, { now: () => new Date(Date.now() + offsetMs) }), notices: db.repositories.notices };
  const logger = quietLogger();
  // Retries like the real client's, only faster: an edit of the progress message retried this
  // way would keep trying for about 12 s.
  const client = new webApi.WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 6, factor: 2, minTimeout: 200 } });
  const notifier = createSlackBulkNotifier({ client, deps, logger, minIntervalMs: 50 });
  const services: BulkJobServices = { deps, notifier, logger, noticeLeaseMs: CLAIM_MS };
  agenda = await startTestAgenda(db, services);

  await givenManyLearners(db, 10, { licenseTypes: ['core'] });
  const { request } = await submitBulkRequest(
    deps,
    { userId: 'UADMIN1', source: 'slack', channelId: 'CSALES' },
    {
      selection: {},
      change: { kind: 'reassign', from: 'core', to: 'pro' },
      reason: 'renewal',
    },
  );
  await deps.bulk.setProgressMessage(request.id, { channel: 'CSALES', ts: '1700000000.000001' });
  await runBulkJob(deps, request.id);
  const finished = await deps.bulk.getBulkRequest(request.id);
  if (!finished) throw new Error('the request is gone');
  offsetMs = 2 * 60_000;

  // Slack goes down; the process that finished the job starts posting its notice.
  slack.failAlways('chat.postMessage', { status: 500 });
  slack.failAlways('chat.update', { status: 500 });
  const first = postCompletionNotice(services, finished, {
    requestId: finished.id,
    status: finished.status,
    ...bulkProgressCounts(finished),
  });
  // The sweep runs on its own schedule, whatever a poster is doing.
  const sweeps: Promise<unknown>[] = [];
  const sweep = () => sweeps.push(sweepBulkRequests(agenda!, services).catch(() => undefined));
  const outageEnds = Date.now() + 5 * CLAIM_MS;
  while (Date.now() < outageEnds) {
    sweep();
    await sleep(100);
  }
  slack.succeed('chat.postMessage');

  const notice = await slack.waitFor(
    'chat.postMessage',
    (c) => c.ok && String(c.body.text).startsWith('Bulk license change completed'),
    8_000,
  );
  expect(await first).toBe(true);
  await waitFor(async () => (await deps.bulk.getBulkRequest(request.id))?.completionNoticeTs, 5_000, 'the notice to be recorded');
  for (let i = 0; i < 5; i += 1) {
    sweep();
    await sleep(100);
  }
  await Promise.all(sweeps);

  const posted = slack.callsTo('chat.postMessage').filter((c) => c.ok);
  expect(posted.filter((c) => String(c.body.text).startsWith('Bulk license change completed'))).toHaveLength(1);
  expect(posted.filter((c) => c.body.channel === 'UADMIN1')).toHaveLength(1);
  expect((await deps.bulk.getBulkRequest(request.id))?.completionNoticeTs).toBe((notice.response as { ts: string }).ts);
  // The progress message's edits were still failing all along: the notice did not wait for them.
  expect(slack.callsTo('chat.update').every((c) => !c.ok)).toBe(true);
});
