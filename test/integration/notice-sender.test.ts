import { WebClient, LogLevel as WebLogLevel } from '@slack/web-api';
import { modelsFor } from '../../src/db/models/index.js';
import { createPacer } from '../../src/licensing/notices/pacer.js';
import type { NoticeDeps, NoticeSender } from '../../src/licensing/notices/ports.js';
import { drainNotices, enqueueNotices, noticeCounts } from '../../src/licensing/notices/queue.js';
import { createLogger } from '../../src/logger.js';
import { createSlackNoticeSender, NOTICE_EVENT_TYPE } from '../../src/slack/notifiers/notice-sender.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { givenLicenseTypes } from '../support/fixtures.js';
import { someNotices } from '../support/notices.js';

let db: TestDatabase;
let slack: FakeSlack;
let deps: NoticeDeps;
let sender: NoticeSender;

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  await slack.close();
});
beforeEach(async () => {
  db = await openTestDatabase();
  await givenLicenseTypes(db, [
    { key: 'core', name: 'Learning Core', capacity: null },
    { key: 'pro', name: 'Learning Pro', capacity: 100 },
  ]);
  deps = { notices: db.repositories.notices, now: () => new Date() };
  // As the app makes it: no retries of its own, every 429 goes to the drainer.
  const client = new WebClient('xoxb-notice-token', {
    slackApiUrl: slack.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    logLevel: WebLogLevel.ERROR,
  });
  sender = createSlackNoticeSender({
    client,
    identities: db.repositories.identities,
    store: db.repositories.store,
    now: () => new Date(),
    logger: createLogger('error', {}, () => undefined),
  });
});
afterEach(async () => {
  slack.reset();
  await db.drop();
});

const users = (count: number, start = 0) => {
  for (let i = start; i < start + count; i += 1) slack.addUser({ id: `UL${i}`, email: `learner${i}@example.com` });
};

describe('the Slack notice sender', () => {
  it('finds each learner by email once, DMs them the rendered notice with its key, and counts the ones Slack does not know', async () => {
    users(2);
    await enqueueNotices(
      deps,
      [...someNotices(3), ...someNotices(1, 'op:again')].map((n, i) => (i === 3 ? { ...n, to: { email: 'learner0@example.com' } } : n)),
    );

    const summary = await drainNotices(deps, sender, { pacer: createPacer(60_000) });

    expect(summary).toMatchObject({ sent: 3, noAccount: 1 });
    expect(
      slack
        .callsTo('users.lookupByEmail')
        .map((c) => c.body.email)
        .sort(),
    ).toEqual(['learner0@example.com', 'learner1@example.com', 'learner2@example.com']);
    const dms = slack.messagesIn('UL0');
    expect(dms).toHaveLength(2);
    expect(dms[0]?.text).toBe(
      'Your learning licenses changed. You now have Learning Pro. You no longer have access to content of Learning Core. Everything you learned so far stays on your reports.',
    );
    expect(dms[0]?.metadata).toEqual({ event_type: NOTICE_EVENT_TYPE, event_payload: { key: 'bulk:test:0' } });
    expect(await db.repositories.identities.identityByEmail('learner2@example.com')).toMatchObject({ slackUserId: null });
    expect(await noticeCounts(deps, 'bulk:test')).toEqual({ waiting: 0, sent: 2, noAccount: 1, failed: 0, withdrawn: 0 });
  });

  it('starts its Slack calls no closer together than the pace, measured at the fake Slack', async () => {
    users(12);
    await db.repositories.identities.rememberIdentity({ email: 'learner0@example.com', slackUserId: 'UL0', checkedAt: new Date() });
    await enqueueNotices(deps, someNotices(12));

    await drainNotices(deps, sender, { pacer: createPacer(600) });

    const times = slack.calls.map((c) => c.at);
    expect(times).toHaveLength(23); // 11 look-ups (one was remembered) and 12 DMs
    // 600 a minute is one every 100 ms: in any second at most 10 calls start. Arrivals jitter by a
    // round trip, so one more may land in a window; over the whole run they average the interval.
    const inAnySecond = Math.max(...times.map((at) => times.filter((t) => t >= at && t < at + 1_000).length));
    expect(inAnySecond).toBeLessThanOrEqual(11);
    expect(((times.at(-1) ?? 0) - (times[0] ?? 0)) / (times.length - 1)).toBeGreaterThanOrEqual(99);
  });

  it('holds every call back for a 429’s Retry-After and sends the notice afterwards', async () => {
    users(3);
    await enqueueNotices(deps, someNotices(3));
    slack.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });

    // One pacer per process, as the notice job has it.
    const pacer = createPacer(60_000);
    await drainNotices(deps, sender, { pacer, concurrency: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await drainNotices(deps, sender, { pacer, concurrency: 1 });

    const limited = slack.calls.findIndex((c) => c.status === 429);
    const refusedAt = slack.calls[limited]?.at ?? 0;
    expect(limited).toBeGreaterThan(0);
    expect(slack.calls.slice(limited + 1).every((c) => c.at - refusedAt >= 990)).toBe(true);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.ok)).toHaveLength(3);
    expect(await noticeCounts(deps, 'bulk:test')).toMatchObject({ sent: 3, waiting: 0 });
  });

  it('finds in the learner’s DM a notice whose send was cut short, instead of sending it twice', async () => {
    users(1);
    await enqueueNotices(deps, someNotices(1));
    const claimed = await deps.notices.claimDueNotices(new Date(), 1, 60_000);
    const notice = claimed.notices[0]!;
    await deps.notices.markNoticeSending(notice.key, claimed.token, new Date());
    await sender.send(notice, async () => undefined);
    // The process died here: the DM went out, the outcome was never written; its lease runs out.
    await modelsFor(db.connection).Notice.updateOne({ _id: notice.key }, { $set: { leaseUntil: new Date(Date.now() - 1) } });

    const summary = await drainNotices(deps, sender, { pacer: createPacer(60_000) });

    expect(summary.sent).toBe(1);
    expect(slack.messagesIn('UL0')).toHaveLength(1);
    expect(slack.callsTo('conversations.history')).toHaveLength(1);
    expect(await modelsFor(db.connection).Notice.findById(notice.key).lean()).toMatchObject({ state: 'sent', channel: 'DUL0' });
  });
});
