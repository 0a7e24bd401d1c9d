import { modelsFor } from '../../src/db/models/index.js';
import type { AppServices } from '../../src/licensing/app-services.js';
import { approveBulkRequest } from '../../src/licensing/bulk/decisions.js';
import { submitBulkRequest } from '../../src/licensing/bulk/requests.js';
import { runBulkJob } from '../../src/licensing/bulk/runner.js';
import { createPacer } from '../../src/licensing/notices/pacer.js';
import { grantWarningSource, sendDueWarnings } from '../../src/licensing/schedule/grants.js';
import type { GrantStore } from '../../src/licensing/schedule/ports.js';
import { ids } from '../../src/slack/ids.js';
import { givenManyLearners } from '../support/bulk-fixtures.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { type FakeSlack, type SlackCall, startFakeSlack } from '../support/fake-slack.js';
import { givenLicenseTypes } from '../support/fixtures.js';
import { busiestSecond, deliverNotices, drainInProcessKilled } from '../support/notices.js';
import { appServices, type TestClock, testClock } from '../support/schedule-fixtures.js';

const LEARNERS = 2_000;
/** Every tenth learner has no Slack account. */
const hasSlack = (i: number) => i % 10 !== 0;
/** Slack Web API calls a minute the queue may make (look-ups and DMs together). */
const RATE = 30_000;
const PER_SECOND = RATE / 60;
const DAY = 24 * 3_600_000;

let db: TestDatabase;
let slack: FakeSlack;

beforeEach(async () => {
  db = await openTestDatabase();
  slack = await startFakeSlack();
});
afterEach(async () => {
  await slack.close();
  await db.drop();
});

/** The calls the notice queue made: look-ups, DMs, and DM look-backs after a crash. */
const queueCalls = (calls: readonly SlackCall[]) =>
  calls.filter((c) => c.method === 'users.lookupByEmail' || c.method.startsWith('conversations.') || c.method === 'chat.postMessage');

/** The grant store as a process that dies right after queuing its first batch of warnings (before marking them sent). */
function dyingAfterFirstBatch(grants: GrantStore): GrantStore {
  let died = false;
  return {
    ...grants,
    async markWarned(token, updates) {
      if (!died) {
        died = true;
        throw new Error('the process died');
      }
      return grants.markWarned(token, updates);
    },
  };
}

/** A bulk change giving every learner Coaching for ten days, from a clock four days back (its 7-day warning is due now). */
async function givenTimeBoundBulkChange(clock: TestClock): Promise<{ deps: AppServices; requestId: string; endsAt: Date }> {
  await givenLicenseTypes(db, [
    { key: 'core', name: 'Learning Core', capacity: null },
    { key: 'coaching', name: 'Coaching', capacity: null },
  ]);
  await givenManyLearners(db, LEARNERS, { licenseTypes: ['core'], groups: ['Sales'] });
  for (let i = 0; i < LEARNERS; i += 1) if (hasSlack(i)) slack.addUser({ id: `UL${i}`, email: `learner${i}@example.com` });
  // The change itself is made with learner notices off: only its warnings are under test here.
  const quiet = appServices(db, clock);
  const endsAt = new Date(clock.now().getTime() + 10 * DAY);
  const { request } = await submitBulkRequest(
    quiet,
    { userId: 'UADMIN1', source: 'slack', channelId: 'C1' },
    { selection: { groups: ['Sales'] }, change: { kind: 'add', to: 'coaching' }, reason: 'workshop', timing: { until: endsAt } },
  );
  await approveBulkRequest(quiet, { userId: 'ULEAD1', source: 'slack' }, request.id);
  expect(await runBulkJob({ ...quiet, bulkBatchSize: 500 }, request.id)).toMatchObject({ status: 'completed', done: LEARNERS });
  expect(await modelsFor(db.connection).Notice.countDocuments()).toBe(0);
  return { deps: appServices(db, clock, { learnerNotices: true }), requestId: request.id, endsAt };
}

describe('the warnings of a large time-bound bulk change', () => {
  it('go out through the notice queue: paced under the rate, once each although the warning run and a drainer crash, learners without Slack counted', async () => {
    const clock = testClock(new Date(Date.now() - 4 * DAY));
    const { deps, requestId, endsAt } = await givenTimeBoundBulkChange(clock);
    clock.advance(3 * DAY + 60_000);

    // The first warning run dies after queuing a batch; once its lease on the grants runs out, a rerun queues the rest.
    await expect(sendDueWarnings({ ...deps, grants: dyingAfterFirstBatch(deps.grants) }, { batchSize: 500 })).rejects.toThrow(
      'the process died',
    );
    // It queued its batch's learners and their admin's one message, and marked none of them warned.
    expect(await modelsFor(db.connection).Notice.countDocuments()).toBe(500 + 1);
    clock.advance(5 * 60_000 + 1);
    expect(await sendDueWarnings(deps, { batchSize: 500 })).toMatchObject({ grants: LEARNERS });
    expect(await sendDueWarnings(deps)).toEqual({ grants: 0, queued: 0 });
    const source = grantWarningSource({ requestId }, '7d', endsAt);
    expect(await db.repositories.notices.noticeCounts(source)).toEqual({
      waiting: LEARNERS,
      sent: 0,
      noAccount: 0,
      failed: 0,
      withdrawn: 0,
    });
    expect(await modelsFor(db.connection).Notice.countDocuments()).toBe(LEARNERS + 1);

    // A drainer in another process is killed (kill -9) partway through the wave.
    await drainInProcessKilled(db, slack, { pace: RATE, killWhen: () => slack.callsTo('chat.postMessage').length >= 300 });
    const killedAfter = slack.calls.length;
    expect(slack.callsTo('chat.postMessage').length).toBeLessThan(LEARNERS);

    // The survivor sends the rest at the pace.
    await deliverNotices(db, slack, { pacer: createPacer(RATE), maxRunMs: 120_000 });

    // Exactly one warning for each learner with Slack, none for the others, one for the admin.
    for (let i = 0; i < LEARNERS; i += 1) expect(slack.messagesIn(`UL${i}`)).toHaveLength(hasSlack(i) ? 1 : 0);
    const [learnerDm] = slack.messagesIn('UL1');
    expect(learnerDm?.text).toContain('Your Coaching license ends');
    expect(JSON.stringify(learnerDm?.blocks)).toContain(ids.grant.askExtend);
    const [adminDm] = slack.messagesIn('UADMIN1');
    expect(slack.messagesIn('UADMIN1')).toHaveLength(1);
    expect(adminDm?.text).toContain('The Coaching you granted 2,000 learners of your bulk change');
    expect(JSON.stringify(adminDm?.blocks)).toContain('Extend all 2,000');
    expect(await db.repositories.notices.noticeCounts(source)).toEqual({
      waiting: 0,
      sent: LEARNERS * 0.9,
      noAccount: LEARNERS * 0.1,
      failed: 0,
      withdrawn: 0,
    });

    // Paced: in no second did more calls arrive than the rate allows (plus the few in flight at once), in either process.
    const killed = queueCalls(slack.calls.slice(0, killedAfter));
    const survivor = queueCalls(slack.calls.slice(killedAfter));
    expect(survivor.length).toBeGreaterThan(PER_SECOND);
    expect(busiestSecond(killed)).toBeLessThanOrEqual(PER_SECOND + 4);
    expect(busiestSecond(survivor)).toBeLessThanOrEqual(PER_SECOND + 4);
  }, 120_000);
});
