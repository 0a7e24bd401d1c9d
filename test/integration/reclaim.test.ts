import { modelsFor } from '../../src/db/models/index.js';
import { approveBulkRequest } from '../../src/licensing/bulk/decisions.js';
import { runBulkJob } from '../../src/licensing/bulk/runner.js';
import { noticeCounts } from '../../src/licensing/notices/queue.js';
import {
  answerReclaimAsk,
  closeDueRounds,
  queueReclaimAsks,
  reclaimAskSource,
  recordAskOutcomes,
} from '../../src/licensing/reclaim/asks.js';
import { reclaimSummary, startReclaim } from '../../src/licensing/reclaim/reclaim.js';
import { ids } from '../../src/slack/ids.js';
import { openTestDatabase } from '../support/database.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { deliverNotices } from '../support/notices.js';
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
  let slack: FakeSlack;
  beforeEach(async () => {
    slack = await startFakeSlack();
  });
  afterEach(async () => {
    await slack.close();
  });

  /** A round over the Pro holders: idle1 and idle2 have Slack accounts, never@ has none. */
  async function startRound(now: () => Date) {
    await givenHolders();
    slack.addUser({ id: 'UIDLE1', email: 'idle1@example.com' });
    slack.addUser({ id: 'UIDLE2', email: 'idle2@example.com' });
    const deps = reclaimDeps(db, {
      now,
      reclaimSettings: settings({ askFirst: true, graceDays: 7, cooldownDays: 30 }),
      bulkApprovalThreshold: 25,
    });
    const started = await startReclaim(deps, ADMIN, { type: 'pro' });
    if (started.kind !== 'asking') throw new Error('expected a round');
    return { deps, round: started.round };
  }

  const idOf = async (email: string) => String((await modelsFor(db.connection).Learner.findOne({ email }).lean())?._id);

  it('asks first through the notice queue: Keep exempts, Release frees at once, silence and no Slack account are reclaimed after the grace period', async () => {
    let now = T0;
    const { deps, round } = await startRound(() => now);
    expect(round.asked).toBe(3);

    expect(await queueReclaimAsks(deps, round.id)).toEqual({ queued: 3 });
    // Queuing again asks nobody twice.
    expect(await queueReclaimAsks(deps, round.id)).toEqual({ queued: 0 });
    expect(await noticeCounts(deps, reclaimAskSource(round.id))).toEqual({ waiting: 3, sent: 0, noAccount: 0, failed: 0, withdrawn: 0 });

    await deliverNotices(db, slack, { now: deps.now });
    const [question] = slack.messagesIn('UIDLE1');
    expect(question?.text).toBe(`Do you still need your Learning Pro license? Answer by ${round.graceEndsAt.toISOString()}.`);
    const keeper = await idOf('idle1@example.com');
    const leaver = await idOf('idle2@example.com');
    const rows = (question?.blocks ?? []) as { block_id?: string; elements?: { action_id: string; value: string }[] }[];
    const row = rows.find((b) => b.block_id === ids.reclaim.askBlock);
    expect(row?.elements?.map((e) => [e.action_id, JSON.parse(e.value)])).toEqual([
      [ids.reclaim.keep, { roundId: round.id, learnerId: keeper }],
      [ids.reclaim.release, { roundId: round.id, learnerId: keeper }],
    ]);
    expect(slack.messagesIn('UIDLE2')).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
    // Where each went is recorded once on the round; the learner without Slack is counted, not asked again.
    expect(await recordAskOutcomes(deps, round.id)).toEqual({ sent: 2, noSlack: 1, failed: 0 });
    expect(await recordAskOutcomes(deps, round.id)).toEqual({ sent: 0, noSlack: 0, failed: 0 });
    await deliverNotices(db, slack, { now: deps.now });
    expect(slack.callsTo('users.lookupByEmail')).toHaveLength(3);
    expect(await db.repositories.reclaim.getRound(round.id)).toMatchObject({ sent: 2, noSlack: 1, failed: 0 });

    // Someone else's click is refused; the learner's own Keep is recorded once.
    await expect(
      answerReclaimAsk(deps, { roundId: round.id, learnerId: keeper, slackUserId: 'UIDLE2', answer: 'release' }),
    ).rejects.toMatchObject({
      code: 'not_your_seat',
    });
    now = new Date(T0.getTime() + DAY);
    const kept = await answerReclaimAsk(deps, { roundId: round.id, learnerId: keeper, slackUserId: 'UIDLE1', answer: 'keep' });
    expect(kept.exemptUntil).toEqual(new Date(now.getTime() + 30 * DAY));
    await expect(
      answerReclaimAsk(deps, { roundId: round.id, learnerId: keeper, slackUserId: 'UIDLE1', answer: 'release' }),
    ).rejects.toMatchObject({
      code: 'reclaim_answered',
    });

    await answerReclaimAsk(deps, { roundId: round.id, learnerId: leaver, slackUserId: 'UIDLE2', answer: 'release' });
    expect((await deps.store.findLearnerById(leaver))?.licenseTypes).toEqual([]);

    // Before the end of the grace period nothing else happens.
    expect(await closeDueRounds(deps, new Date(T0.getTime() + 6 * DAY))).toEqual([]);
    now = new Date(T0.getTime() + 7 * DAY + 1);
    await expect(
      answerReclaimAsk(deps, { roundId: round.id, learnerId: keeper, slackUserId: 'UIDLE1', answer: 'keep' }),
    ).rejects.toMatchObject({
      code: 'reclaim_round_closed',
    });
    const closed = await closeDueRounds(deps, now);
    expect(closed).toHaveLength(1);
    const request = closed[0]?.submission?.request;
    expect(request).toMatchObject({ status: 'approved', reclaim: { type: 'pro', roundId: round.id }, preview: { toChange: 1 } });
    await runBulkJob(deps, request!.id);

    const { Learner } = modelsFor(db.connection);
    const holders = (await Learner.find({ licenseTypes: 'pro' }).sort({ email: 1 }).lean()).map((l) => l.email);
    // The one without a Slack account stayed silent and is reclaimed; the keeper and the excluded stay.
    expect(holders).toEqual(['active@example.com', 'exec@example.com', 'idle1@example.com', 'vip@example.com']);
    expect((await Learner.findOne({ email: 'never@example.com' }).lean())?.reclaimAsk).toMatchObject({ state: 'asked', dm: 'no_slack' });
    expect(await db.repositories.reclaim.getRound(round.id)).toMatchObject({
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

  it('knows who may answer as soon as the DM is out, before the round recorded where it went', async () => {
    const { deps, round } = await startRound(() => T0);
    await queueReclaimAsks(deps, round.id);
    await deliverNotices(db, slack, { now: deps.now });
    const keeper = await idOf('idle1@example.com');

    await expect(
      answerReclaimAsk(deps, { roundId: round.id, learnerId: keeper, slackUserId: 'UIDLE2', answer: 'keep' }),
    ).rejects.toMatchObject({
      code: 'not_your_seat',
    });
    expect(await answerReclaimAsk(deps, { roundId: round.id, learnerId: keeper, slackUserId: 'UIDLE1', answer: 'keep' })).toMatchObject({
      answer: 'keep',
    });
    expect(await db.repositories.reclaim.askOf(keeper)).toMatchObject({
      round: round.id,
      dm: 'sent',
      slackUserId: 'UIDLE1',
      state: 'kept',
    });
  });

  it('refuses an answer to a question the queue has not sent yet', async () => {
    const { deps, round } = await startRound(() => T0);
    await queueReclaimAsks(deps, round.id);
    const keeper = await idOf('idle1@example.com');
    await expect(
      answerReclaimAsk(deps, { roundId: round.id, learnerId: keeper, slackUserId: 'UIDLE1', answer: 'keep' }),
    ).rejects.toMatchObject({
      code: 'not_your_seat',
    });
  });
});
