import { modelsFor } from '../../src/db/models/index.js';
import { approveBulkRequest } from '../../src/licensing/bulk/decisions.js';
import { runBulkJob } from '../../src/licensing/bulk/runner.js';
import { answerReclaimAsk, closeDueRounds, sendReclaimAsks } from '../../src/licensing/reclaim/asks.js';
import type { ReclaimAsker, ReclaimAskItem } from '../../src/licensing/reclaim/ports.js';
import { reclaimSummary, startReclaim } from '../../src/licensing/reclaim/reclaim.js';
import { openTestDatabase } from '../support/database.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { reclaimDeps, reclaimSettings } from '../support/undo-fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
const DAY = 86_400_000;
const T0 = new Date('2026-06-01T09:00:00Z');
const ADMIN = { userId: 'UADMIN1', source: 'slack' as const, channelId: 'C1' };

beforeEach(async () => {
  db = await openTestDatabase();
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 100 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
});
afterEach(async () => {
  await db.drop();
});

/** Pro holders: active recently, idle for 90 days, never started; plus an excluded group and an excluded person. */
async function givenHolders() {
  const ids = await givenLearners(db, [
    { email: 'active@example.com', name: 'Active One', licenseTypes: ['pro'], groups: ['Sales'] },
    { email: 'idle1@example.com', name: 'Idle One', licenseTypes: ['pro'], groups: ['Sales'] },
    { email: 'idle2@example.com', name: 'Idle Two', licenseTypes: ['pro'], groups: ['Sales'] },
    { email: 'never@example.com', name: 'Never Started', licenseTypes: ['pro'], groups: ['Sales'] },
    { email: 'exec@example.com', name: 'Idle Exec', licenseTypes: ['pro'], groups: ['Executives'] },
    { email: 'vip@example.com', name: 'Idle Vip', licenseTypes: ['pro'], groups: ['Sales'] },
    { email: 'core@example.com', name: 'Core Holder', licenseTypes: ['core'] },
  ]);
  const { Learner } = modelsFor(db.connection);
  const at = (days: number) => ({
    usage: { lastActiveAt: new Date(T0.getTime() - days * DAY), hoursViewed: 1, periodEnd: T0, importId: 'r1', importedAt: T0 },
  });
  await Learner.updateOne({ email: 'active@example.com' }, { $set: at(3) });
  for (const email of ['idle1@example.com', 'idle2@example.com', 'exec@example.com', 'vip@example.com', 'core@example.com'])
    await Learner.updateOne({ email }, { $set: at(90) });
  await db.repositories.usage.startUsageImport({
    id: 'r1',
    fileName: 'summary.csv',
    format: 'linkedin_learner_summary',
    importedAt: T0,
    importedBy: 'cli',
    source: 'cli',
    periodEnd: T0,
    rows: 6,
    learners: 6,
    matched: 6,
    unknownEmails: 0,
    status: 'completed',
  });
  return ids;
}

function settings(overrides: Parameters<typeof reclaimSettings>[0] = {}) {
  return reclaimSettings({
    excludeGroups: ['Executives'],
    excludeEmails: ['vip@example.com'],
    seatPrices: new Map([['pro', 420]]),
    ...overrides,
  });
}

describe('reclaim', () => {
  it('lists per type the holders idle more than RECLAIM_IDLE_DAYS or never started, with the yearly cost', async () => {
    await givenHolders();
    const summary = await reclaimSummary(reclaimDeps(db, { now: () => T0, reclaimSettings: settings() }));
    const pro = summary.types.find((t) => t.type.key === 'pro');
    expect(pro).toMatchObject({ idle: 3, neverStarted: 1, price: 420, yearlyCost: 1_260 });
    expect(summary.types.find((t) => t.type.key === 'core')).toMatchObject({ idle: 1, price: null, yearlyCost: null });
    expect(summary).toMatchObject({ seats: 4, yearlyCost: 1_260, lastImport: { fileName: 'summary.csv' } });
  });

  it('reclaims through the usual approval: a lead approves, the job frees only the idle seats', async () => {
    await givenHolders();
    const deps = reclaimDeps(db, { now: () => T0, reclaimSettings: settings(), bulkApprovalThreshold: 2 });
    const started = await startReclaim(deps, ADMIN, { type: 'pro' });
    if (started.kind !== 'submitted') throw new Error('expected a bulk request');
    expect(started.submission.needsApproval).toBe(true);
    expect(started.submission.request).toMatchObject({ status: 'pending_approval', reclaim: { type: 'pro' }, preview: { toChange: 3 } });
    await approveBulkRequest(deps, { userId: 'ULEAD1', source: 'slack' }, started.submission.request.id);
    expect(await runBulkJob(deps, started.submission.request.id)).toMatchObject({ status: 'completed', done: 3 });

    const { Learner } = modelsFor(db.connection);
    const holders = (await Learner.find({ licenseTypes: 'pro' }).sort({ email: 1 }).lean()).map((l) => l.email);
    expect(holders).toEqual(['active@example.com', 'exec@example.com', 'vip@example.com']);
    await expectSeatInvariant(db);
  });

  it('moves idle holders to a cheaper type when asked to', async () => {
    await givenHolders();
    const deps = reclaimDeps(db, { now: () => T0, reclaimSettings: settings() });
    const started = await startReclaim(deps, ADMIN, { type: 'pro', to: 'core' });
    if (started.kind !== 'submitted') throw new Error('expected a bulk request');
    await runBulkJob(deps, started.submission.request.id);
    const { Learner } = modelsFor(db.connection);
    expect((await Learner.findOne({ email: 'idle1@example.com' }).lean())?.licenseTypes).toEqual(['core']);
  });
});

describe('reclaim with RECLAIM_ASK_FIRST', () => {
  function recordingAsker(
    slackUsers: Record<string, string>,
    rateLimitOnce = false,
  ): ReclaimAsker & { asked: ReclaimAskItem[]; waits: number[] } {
    let limited = rateLimitOnce;
    const asker = {
      asked: [] as ReclaimAskItem[],
      waits: [] as number[],
      async ask(items: readonly ReclaimAskItem[]) {
        if (limited) {
          limited = false;
          return { results: [], retryAfterMs: 1_500 };
        }
        asker.asked.push(...items);
        return {
          results: items.map((item) =>
            slackUsers[item.email]
              ? { learnerId: item.learnerId, outcome: 'sent' as const, slackUserId: slackUsers[item.email]! }
              : { learnerId: item.learnerId, outcome: 'no_slack' as const },
          ),
        };
      },
    };
    return asker;
  }

  it('asks first: Keep exempts, Release frees at once, silence is reclaimed after the grace period', async () => {
    await givenHolders();
    let now = T0;
    const deps = reclaimDeps(db, {
      now: () => now,
      reclaimSettings: settings({ askFirst: true, graceDays: 7, cooldownDays: 30 }),
      bulkApprovalThreshold: 25,
    });
    const started = await startReclaim(deps, ADMIN, { type: 'pro' });
    if (started.kind !== 'asking') throw new Error('expected a round');
    expect(started.round.asked).toBe(3);

    const asker = recordingAsker({ 'idle1@example.com': 'UIDLE1', 'idle2@example.com': 'UIDLE2' }, true);
    const slept: number[] = [];
    const sent = await sendReclaimAsks(deps, asker, started.round.id, { sleep: async (ms) => void slept.push(ms) });
    expect(sent).toEqual({ sent: 2, noSlack: 1 });
    expect(slept).toEqual([1_500]);
    expect(asker.asked.map((i) => [i.email, i.key])).toEqual(
      expect.arrayContaining([['idle1@example.com', `${started.round.id}:${asker.asked[0]?.learnerId}`]]),
    );
    // Sending again asks nobody twice.
    expect(await sendReclaimAsks(deps, asker, started.round.id)).toEqual({ sent: 0, noSlack: 0 });

    const [idle1, idle2] = await deps.store.findLearnersByIds(
      asker.asked.filter((i) => i.email !== 'never@example.com').map((i) => i.learnerId),
    );
    const keeper = [idle1, idle2].find((l) => l?.email === 'idle1@example.com')!;
    const leaver = [idle1, idle2].find((l) => l?.email === 'idle2@example.com')!;

    // Someone else's click is refused; the learner's own Keep is recorded once.
    await expect(
      answerReclaimAsk(deps, { roundId: started.round.id, learnerId: keeper.id, slackUserId: 'UIDLE2', answer: 'release' }),
    ).rejects.toMatchObject({
      code: 'not_your_seat',
    });
    now = new Date(T0.getTime() + DAY);
    const kept = await answerReclaimAsk(deps, { roundId: started.round.id, learnerId: keeper.id, slackUserId: 'UIDLE1', answer: 'keep' });
    expect(kept.exemptUntil).toEqual(new Date(now.getTime() + 30 * DAY));
    await expect(
      answerReclaimAsk(deps, { roundId: started.round.id, learnerId: keeper.id, slackUserId: 'UIDLE1', answer: 'release' }),
    ).rejects.toMatchObject({
      code: 'reclaim_answered',
    });

    await answerReclaimAsk(deps, { roundId: started.round.id, learnerId: leaver.id, slackUserId: 'UIDLE2', answer: 'release' });
    expect((await deps.store.findLearnerById(leaver.id))?.licenseTypes).toEqual([]);

    // Before the end of the grace period nothing else happens.
    expect(await closeDueRounds(deps, new Date(T0.getTime() + 6 * DAY))).toEqual([]);
    now = new Date(T0.getTime() + 7 * DAY + 1);
    await expect(
      answerReclaimAsk(deps, { roundId: started.round.id, learnerId: keeper.id, slackUserId: 'UIDLE1', answer: 'keep' }),
    ).rejects.toMatchObject({
      code: 'reclaim_round_closed',
    });
    const closed = await closeDueRounds(deps, now);
    expect(closed).toHaveLength(1);
    const request = closed[0]?.submission?.request;
    expect(request).toMatchObject({ status: 'approved', reclaim: { type: 'pro', roundId: started.round.id }, preview: { toChange: 1 } });
    await runBulkJob(deps, request!.id);

    const { Learner } = modelsFor(db.connection);
    const holders = (await Learner.find({ licenseTypes: 'pro' }).sort({ email: 1 }).lean()).map((l) => l.email);
    // The silent one (no Slack account) is reclaimed; the keeper and the excluded stay.
    expect(holders).toEqual(['active@example.com', 'exec@example.com', 'idle1@example.com', 'vip@example.com']);
    expect(await db.repositories.reclaim.getRound(started.round.id)).toMatchObject({
      status: 'submitted',
      kept: 1,
      released: 1,
      sent: 2,
      noSlack: 1,
    });
    await expectSeatInvariant(db);

    // The keeper is not a candidate again during the cooldown.
    const summary = await reclaimSummary(deps);
    expect(summary.types.find((t) => t.type.key === 'pro')?.idle).toBe(0);
    expect(await closeDueRounds(deps, now)).toEqual([]);
  });
});
