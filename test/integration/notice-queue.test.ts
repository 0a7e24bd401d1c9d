import { modelsFor } from '../../src/db/models/index.js';
import { createPacer } from '../../src/licensing/notices/pacer.js';
import type { NoticeDeps } from '../../src/licensing/notices/ports.js';
import { drainNotices, enqueueNotices, noticeCounts } from '../../src/licensing/notices/queue.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { recordingSender, someNotices } from '../support/notices.js';

let db: TestDatabase;
let deps: NoticeDeps;
const fast = () => createPacer(600_000);

beforeEach(async () => {
  db = await openTestDatabase();
  deps = { notices: db.repositories.notices, now: () => new Date() };
});
afterEach(async () => {
  await db.drop();
});

describe('the notice queue', () => {
  it('queues a key once, however often it is enqueued, and counts by source', async () => {
    await enqueueNotices(deps, someNotices(3));
    await enqueueNotices(deps, someNotices(3));
    await enqueueNotices(deps, someNotices(2, 'op:other'));

    expect(await modelsFor(db.connection).Notice.countDocuments()).toBe(5);
    expect(await noticeCounts(deps, 'bulk:test')).toEqual({ waiting: 3, sent: 0, noAccount: 0, failed: 0, withdrawn: 0 });
  });

  it('sends each notice once and records who got it, with no-account answers counted and never retried', async () => {
    await enqueueNotices(deps, someNotices(5));
    const sender = recordingSender([{ kind: 'no_account', reason: 'no Slack user has this email' }]);

    const summary = await drainNotices(deps, sender, { pacer: fast() });
    const again = await drainNotices(deps, sender, { pacer: fast() });

    expect(summary).toMatchObject({ sent: 4, noAccount: 1, failed: 0, retried: 0 });
    expect(again.sent + again.noAccount).toBe(0);
    expect(sender.sent.map((n) => n.key).sort()).toEqual(
      someNotices(5)
        .map((n) => n.key)
        .sort(),
    );
    expect(await noticeCounts(deps, 'bulk:test')).toEqual({ waiting: 0, sent: 4, noAccount: 1, failed: 0, withdrawn: 0 });
    const sent = await modelsFor(db.connection).Notice.findOne({ state: 'sent' }).lean();
    expect(sent).toMatchObject({ slackUserId: 'U1', channel: 'D1', sendingSince: null, leaseToken: null });
  });

  it('puts a rate-limited notice back without counting an attempt and holds every call back for Retry-After', async () => {
    await enqueueNotices(deps, someNotices(1));
    const sender = recordingSender([{ kind: 'rate_limited', retryAfterMs: 30_000 }]);
    const pacer = createPacer(600_000);
    let paused = 0;
    const pauseFor = pacer.pauseFor.bind(pacer);
    pacer.pauseFor = (ms) => {
      paused = ms;
      pauseFor(ms);
    };

    const summary = await drainNotices(deps, sender, { pacer });

    const doc = await modelsFor(db.connection).Notice.findOne().lean();
    expect(summary).toMatchObject({ sent: 0, rateLimited: 1, retried: 1 });
    expect(paused).toBe(30_000);
    expect(doc).toMatchObject({ state: 'queued', attempts: 0, sendingSince: null });
    expect(doc?.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 25_000);
  });

  it('retries an outage later, looking for the message first, and gives up after the last attempt', async () => {
    await enqueueNotices(deps, someNotices(1));
    const sender = recordingSender([{ kind: 'retry', reason: 'HTTP 503' }]);
    const { Notice } = modelsFor(db.connection);

    await drainNotices(deps, sender, { pacer: fast() });
    const retried = await Notice.findOne().lean();
    expect(retried).toMatchObject({ state: 'queued', attempts: 1, lastError: 'HTTP 503' });
    expect(retried?.sendingSince).toBeInstanceOf(Date);

    await Notice.updateOne({}, { $set: { nextAttemptAt: new Date(0) } });
    sender.answers.push({ kind: 'retry', reason: 'HTTP 503' });
    await drainNotices(deps, sender, { pacer: fast(), maxAttempts: 2 });

    expect(sender.looked).toHaveLength(1);
    expect(await Notice.findOne().lean()).toMatchObject({ state: 'failed', attempts: 2 });
    expect(await noticeCounts(deps, 'bulk:test')).toMatchObject({ waiting: 0, failed: 1 });
  });

  it('does not send again a notice whose earlier send reached Slack before its drainer died', async () => {
    await enqueueNotices(deps, someNotices(1));
    const claimed = await deps.notices.claimDueNotices(new Date(), 10, 60_000);
    const key = claimed.notices[0]?.key ?? '';
    // The drainer marked it and called Slack, then died before recording the outcome.
    await deps.notices.markNoticeSending(key, claimed.token, new Date());
    await modelsFor(db.connection).Notice.updateOne({ _id: key }, { $set: { leaseUntil: new Date(Date.now() - 1) } });
    const sender = recordingSender();
    sender.found = () => ({ kind: 'sent', slackUserId: 'U1', channel: 'D1', ts: '1700000000.000001' });

    const summary = await drainNotices(deps, sender, { pacer: fast() });

    expect(summary.sent).toBe(1);
    expect(sender.looked.map((n) => n.key)).toEqual([key]);
    expect(sender.sent).toHaveLength(0);
  });

  it('lets two drainers share the queue without sending any notice twice', async () => {
    await enqueueNotices(deps, someNotices(300));
    const first = recordingSender();
    const second = recordingSender();

    await Promise.all([
      drainNotices(deps, first, { pacer: fast(), batchSize: 20 }),
      drainNotices(deps, second, { pacer: fast(), batchSize: 20 }),
    ]);

    const keys = [...first.sent, ...second.sent].map((n) => n.key);
    expect(keys).toHaveLength(300);
    expect(new Set(keys).size).toBe(300);
    expect(await noticeCounts(deps, 'bulk:test')).toMatchObject({ waiting: 0, sent: 300 });
  });

  it('gives back what it has not started when the process stops', async () => {
    await enqueueNotices(deps, someNotices(10));
    const sender = recordingSender();
    let stopping = false;
    const send = sender.send.bind(sender);
    sender.send = async (notice, pace) => {
      stopping = true;
      return send(notice, pace);
    };

    await drainNotices(deps, sender, { pacer: fast(), concurrency: 1, stopping: () => stopping });

    expect(sender.sent).toHaveLength(1);
    expect(await modelsFor(db.connection).Notice.countDocuments({ leaseToken: { $ne: null }, state: 'queued' })).toBe(0);
    expect(await noticeCounts(deps, 'bulk:test')).toMatchObject({ waiting: 9, sent: 1 });
  });

  it('withdraws a notice whose moment has passed instead of sending it, and counts it', async () => {
    const [late, due] = someNotices(2);
    await enqueueNotices(deps, [
      { ...late!, expiresAt: new Date(Date.now() - 1) },
      { ...due!, expiresAt: new Date(Date.now() + 60_000) },
    ]);
    const sender = recordingSender();

    const summary = await drainNotices(deps, sender, { pacer: fast() });

    expect(summary).toMatchObject({ sent: 1, withdrawn: 1 });
    expect(sender.sent.map((n) => n.key)).toEqual([due!.key]);
    expect(await noticeCounts(deps, 'bulk:test')).toEqual({ waiting: 0, sent: 1, noAccount: 0, failed: 0, withdrawn: 1 });
  });

  it('lets the feature that queued notices withdraw those not started, by key prefix, keeping the exceptions', async () => {
    const items = ['w:a:old:x', 'w:a:old:y', 'w:a:new:x', 'w:b:old:x', 'w:a:old:sending'].map((key) => ({ ...someNotices(1)[0]!, key }));
    await enqueueNotices(deps, items);
    // A send of this one has begun: it may be in Slack already, so it stays.
    const claimed = await deps.notices.claimDueNotices(new Date(), 10, 60_000);
    await deps.notices.markNoticeSending('w:a:old:sending', claimed.token, new Date());
    await deps.notices.releaseNotices(claimed.token);

    expect(await deps.notices.withdrawNotices({ prefix: 'w:a:', except: ':new:' }, new Date())).toBe(2);

    const states = await deps.notices.noticeStates(items.map((n) => n.key));
    expect(Object.fromEntries([...states].map(([key, state]) => [key, state.state]))).toEqual({
      'w:a:old:x': 'withdrawn',
      'w:a:old:y': 'withdrawn',
      'w:a:new:x': 'queued',
      'w:b:old:x': 'queued',
      'w:a:old:sending': 'queued',
    });
    const sender = recordingSender();
    await drainNotices(deps, sender, { pacer: fast() });
    // The one whose send had begun is looked for first (not found here), then sent.
    expect(sender.looked.map((n) => n.key)).toEqual(['w:a:old:sending']);
    expect(sender.sent.map((n) => n.key).sort()).toEqual(['w:a:new:x', 'w:a:old:sending', 'w:b:old:x']);
  });
});
