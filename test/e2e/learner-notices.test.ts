import { modelsFor } from '../../src/db/models/index.js';
import { scheduleBulkJob } from '../../src/jobs/index.js';
import { submitBulkRequest } from '../../src/licensing/bulk/requests.js';
import { NOTICE_EVENT_TYPE } from '../../src/slack/notifiers/notice-sender.js';
import { givenManyLearners } from '../support/bulk-fixtures.js';
import { ADMIN, bootE2E, type E2E } from '../support/e2e.js';
import type { SlackCall } from '../support/fake-slack.js';
import { expectSeatInvariant, givenLicenseTypes } from '../support/fixtures.js';
import { busiestSecond } from '../support/notices.js';

const LEARNERS = 5_000;
/** Every tenth learner has no Slack account. */
const hasSlack = (i: number) => i % 10 !== 0;
/** Four in five learners were matched to Slack before (told of an earlier change); the rest are looked up. */
const remembered = (i: number) => i % 5 !== 4;
/** Slack Web API calls a minute the queue may make (look-ups and DMs together). */
const RATE = 15_000;
const PER_SECOND = RATE / 60;

let e2e: E2E;

afterEach(async () => {
  await e2e.stop();
});

/** The calls the notice queue made: look-ups, DMs to learners, and DM look-backs after a crash. */
const queueCalls = (calls: readonly SlackCall[]) =>
  calls.filter(
    (c) =>
      c.method === 'users.lookupByEmail' ||
      c.method.startsWith('conversations.') ||
      (c.method === 'chat.postMessage' && String(c.body.channel).startsWith('UL')),
  );

describe('learners told of their changes', () => {
  it('DMs every learner of a 5,000-learner job who has Slack exactly once, paced, through 429s, and the completion notice says how many', async () => {
    e2e = await bootE2E(
      {
        LEARNER_NOTICES: 'on',
        NOTICES_PER_MINUTE: String(RATE),
        BULK_APPROVAL_THRESHOLD: '100000',
        JOB_PROCESS_EVERY: '100 milliseconds',
      },
      { noticeEvery: '200 milliseconds', progressIntervalMs: 500 },
    );
    await givenLicenseTypes(e2e.running.db, [
      { key: 'pro', name: 'Learning Pro', capacity: null },
      { key: 'core', name: 'Learning Core', capacity: null },
    ]);
    await givenManyLearners(e2e.running.db, LEARNERS, { licenseTypes: ['core'], groups: ['Sales'] });
    for (let i = 0; i < LEARNERS; i += 1) if (hasSlack(i)) e2e.slack.addUser({ id: `UL${i}`, email: `learner${i}@example.com` });
    await modelsFor(e2e.running.db.connection).SlackIdentity.insertMany(
      Array.from({ length: LEARNERS }, (_, i) => i)
        .filter(remembered)
        .map((i) => ({ _id: `learner${i}@example.com`, slackUserId: hasSlack(i) ? `UL${i}` : null, checkedAt: new Date() })),
    );
    // Slack refuses three DMs partway, asking for a second's pause each time.
    void e2e.slack
      .waitFor('chat.postMessage', () => queueCalls(e2e.slack.calls).filter((c) => c.method === 'chat.postMessage').length >= 500, 60_000)
      .then(() => e2e.slack.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 }, 3))
      .catch(() => undefined);

    const { request } = await submitBulkRequest(
      e2e.running.deps,
      { userId: ADMIN, source: 'slack', channelId: 'CSALES' },
      { selection: { groups: ['Sales'] }, change: { kind: 'reassign', from: 'core', to: 'pro' }, reason: 'annual upgrade' },
    );
    await e2e.running.deps.bulk.setProgressMessage(request.id, { channel: 'CSALES', ts: '1700000000.000001' });
    await scheduleBulkJob(e2e.running.agenda, request.id);

    const notice = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => String(c.body.text).startsWith('Bulk license change completed'),
      60_000,
    );
    expect(String(notice.body.text)).toMatch(
      /^Bulk license change completed: 5,000 changed, 0 skipped, 0 failed, [\d,]+ of 5,000 learners told so far$/,
    );
    const ts = (notice.response as { ts: string }).ts;
    const told = await e2e.slack.waitFor('chat.update', (c) => c.body.ts === ts && String(c.body.text).includes('learners told,'), 120_000);
    expect(told.body.text).toBe(
      'Bulk license change completed: 5,000 changed, 0 skipped, 0 failed, 4,500 learners told, 500 without a Slack account',
    );

    // Only those not remembered were looked up.
    expect(e2e.slack.callsTo('users.lookupByEmail')).toHaveLength(LEARNERS / 5);
    // Exactly one DM each for those with Slack, none for the rest; each carries its notice's key.
    for (let i = 0; i < LEARNERS; i += 1) {
      const dms = e2e.slack.messagesIn(`UL${i}`);
      expect(dms).toHaveLength(hasSlack(i) ? 1 : 0);
    }
    const dm = e2e.slack.messagesIn('UL1')[0];
    expect(dm?.text).toContain('You now have Learning Pro. You no longer have access to content of Learning Core.');
    expect(dm?.metadata).toMatchObject({ event_type: NOTICE_EVENT_TYPE });

    // Paced: in no second did more calls arrive than the rate allows (plus the few in flight at once).
    const calls = queueCalls(e2e.slack.calls);
    expect(busiestSecond(calls)).toBeLessThanOrEqual(PER_SECOND + 4);
    // 429s honoured: after each, nothing new for the Retry-After (calls already in flight excepted).
    const limited = calls.filter((c) => c.status === 429);
    expect(limited).toHaveLength(3);
    for (const refusal of limited) {
      const early = calls.filter((c) => c.at > refusal.at + 50 && c.at < refusal.at + 990);
      expect(early).toHaveLength(0);
    }
    await expectSeatInvariant(e2e.running.db);
  }, 180_000);
});
