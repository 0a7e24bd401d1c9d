import { modelsFor } from '../../src/db/models/index.js';
import type { AppServices } from '../../src/licensing/app-services.js';
import { approveBulkRequest } from '../../src/licensing/bulk/decisions.js';
import { submitBulkRequest } from '../../src/licensing/bulk/requests.js';
import { runBulkJob } from '../../src/licensing/bulk/runner.js';
import { LicenseError } from '../../src/licensing/errors.js';
import { touchedTypes } from '../../src/licensing/operations.js';
import { decideExtension, extendGrants } from '../../src/licensing/schedule/extend.js';
import { endDueGrants, grantAdminSource, grantWarningSource, planReturns, sendDueWarnings } from '../../src/licensing/schedule/grants.js';
import { ids as slackIds } from '../../src/slack/ids.js';
import { openTestDatabase } from '../support/database.js';
import { type FakeMessage, type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { deliverNotices } from '../support/notices.js';
import { appServices, grantUntil, recordingTimers, type TestClock, testClock } from '../support/schedule-fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
let clock: TestClock;
let deps: AppServices;
let slack: FakeSlack;

const DAY = 24 * 3_600_000;
const START = new Date('2026-12-01T09:00:00Z');
const admin = { userId: 'UADMIN1', source: 'slack' as const, channelId: 'C1' };

beforeEach(async () => {
  db = await openTestDatabase();
  slack = await startFakeSlack();
  clock = testClock(START);
  deps = appServices(db, clock);
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 100 },
    { key: 'core', name: 'Learning Core', capacity: 100 },
    { key: 'coaching', name: 'Coaching', capacity: null },
  ]);
});
afterEach(async () => {
  await slack.close();
  await db.drop();
});

async function learner(email: string) {
  return (await modelsFor(db.connection).Learner.findOne({ email }).lean())!;
}

/** The buttons of a DM, with their values parsed. */
function buttons(message: FakeMessage | undefined): { action_id: string; text: string; value: unknown }[] {
  const blocks = (message?.blocks ?? []) as { elements?: { action_id?: string; text?: { text: string }; value?: string }[] }[];
  return blocks.flatMap((b) =>
    (b.elements ?? []).flatMap((e) =>
      e.action_id ? [{ action_id: e.action_id, text: e.text?.text ?? '', value: e.value ? JSON.parse(e.value) : undefined }] : [],
    ),
  );
}

/** Keys of the grant notices queued so far (not the learners' notices of the change itself), in key order. */
async function queuedKeys(): Promise<string[]> {
  return (
    await modelsFor(db.connection)
      .Notice.find({ _id: /^grant-/ }, { _id: 1 })
      .sort({ _id: 1 })
      .lean()
  ).map((n) => n._id);
}

describe('a time-bound license', () => {
  it('is reverted at its end through the engine: back to what it replaced, once, with history and audit saying expiry', async () => {
    const [ada] = await givenLearners(db, [{ email: 'ada@example.com', name: 'Ada', licenseTypes: ['core'] }]);
    const grantId = await grantUntil(deps, ada!, { kind: 'reassign', from: 'core', to: 'pro' }, new Date(START.getTime() + 10 * DAY));
    expect((await learner('ada@example.com')).licenseTypes).toEqual(['pro']);
    expect(await deps.grants.getGrant(grantId)).toMatchObject({
      status: 'active',
      added: ['pro'],
      removed: ['core'],
      timeZone: 'Europe/Berlin',
    });

    clock.advance(10 * DAY - 60_000);
    expect(await endDueGrants(deps)).toMatchObject({ ended: 0 });
    expect((await learner('ada@example.com')).licenseTypes).toEqual(['pro']);

    clock.advance(60_000);
    expect(await endDueGrants(deps)).toEqual({ ended: 1, endedWithoutReturn: 0, superseded: 0, retried: 0 });
    expect(await endDueGrants(deps)).toEqual({ ended: 0, endedWithoutReturn: 0, superseded: 0, retried: 0 });

    expect((await learner('ada@example.com')).licenseTypes).toEqual(['core']);
    expect(await deps.grants.getGrant(grantId)).toMatchObject({ status: 'ended', endOutcome: 'ended' });
    const { Assignment, Audit } = modelsFor(db.connection);
    expect(await Assignment.find({ learnerId: ada, source: 'expiry' }, { licenseType: 1, revokedAt: 1, _id: 0 }).lean()).toEqual([
      { licenseType: 'core', revokedAt: null },
    ]);
    expect(await Assignment.countDocuments({ learnerId: ada, licenseType: 'pro', revokedAt: { $ne: null } })).toBe(1);
    expect(await Audit.find({ source: 'expiry', outcome: 'applied' }, { learnerId: 1, from: 1, to: 1, _id: 0 }).lean()).toEqual([
      { learnerId: ada, from: ['pro'], to: ['core'] },
    ]);
    await expectSeatInvariant(db);
  });

  it('takes back an added license and leaves the others', async () => {
    const [bo] = await givenLearners(db, [{ email: 'bo@example.com', name: 'Bo', licenseTypes: ['core'] }]);
    await grantUntil(deps, bo!, { kind: 'add', to: 'coaching' }, new Date(START.getTime() + DAY));
    expect((await learner('bo@example.com')).licenseTypes).toEqual(['core', 'coaching']);
    clock.advance(DAY);
    await endDueGrants(deps);
    expect((await learner('bo@example.com')).licenseTypes).toEqual(['core']);
    await expectSeatInvariant(db);
  });

  it('changes nothing when the learner was changed to something else before the end, and audits why', async () => {
    const [cy] = await givenLearners(db, [{ email: 'cy@example.com', name: 'Cy', licenseTypes: ['core'] }]);
    const grantId = await grantUntil(deps, cy!, { kind: 'reassign', from: 'core', to: 'pro' }, new Date(START.getTime() + DAY));
    await grantUntil(deps, cy!, { kind: 'reassign', from: 'pro', to: 'coaching' }, new Date(START.getTime() + 30 * DAY));
    // The second grant replaced what the first one gave: the first has nothing left to take back.
    clock.advance(DAY);
    expect(await endDueGrants(deps)).toMatchObject({ ended: 0, superseded: 1 });
    expect((await learner('cy@example.com')).licenseTypes).toEqual(['coaching']);
    expect(await deps.grants.getGrant(grantId)).toMatchObject({ status: 'superseded', endOutcome: 'superseded' });
    expect(await modelsFor(db.connection).Audit.countDocuments({ action: 'grant.end', code: 'superseded', learnerId: cy })).toBe(1);
  });

  it('ends on time even when what it replaced has no seat left, and tells the admin who granted it', async () => {
    await modelsFor(db.connection).LicenseType.updateOne({ key: 'core' }, { $set: { capacity: 1 } });
    const [dee, eve] = await givenLearners(db, [
      { email: 'dee@example.com', name: 'Dee', licenseTypes: ['core'] },
      { email: 'eve@example.com', name: 'Eve', licenseTypes: [] },
    ]);
    const grantId = await grantUntil(deps, dee!, { kind: 'reassign', from: 'core', to: 'pro' }, new Date(START.getTime() + DAY));
    // Dee's Core seat went to Eve meanwhile.
    await grantUntil(deps, eve!, { kind: 'add', to: 'core' }, new Date(START.getTime() + 60 * DAY));
    clock.advance(DAY);
    expect(await endDueGrants(deps)).toMatchObject({ ended: 0, endedWithoutReturn: 1 });
    expect((await learner('dee@example.com')).licenseTypes).toEqual([]);
    expect(await deps.grants.getGrant(grantId)).toMatchObject({ status: 'ended', endOutcome: 'ended_without_return' });
    // The admin is told through the notice queue, once however often the run is repeated.
    await endDueGrants(deps);
    await deliverNotices(db, slack, { now: clock.now });
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    const [told] = slack.messagesIn('UADMIN1');
    expect(told?.text).toContain('The time-bound Learning Pro of dee@example.com ended');
    expect(told?.text).toContain('Learning Core could not be given back: no seat was free');
    expect(await db.repositories.notices.noticeCounts(grantAdminSource({ grantId }))).toMatchObject({ sent: 1, waiting: 0 });
    await expectSeatInvariant(db);
  });

  it('is ended once when two runs (two processes) go at the same time, each learner in one batch', async () => {
    const ids = await givenLearners(
      db,
      Array.from({ length: 300 }, (_, i) => ({ email: `l${i}@example.com`, name: `L ${i}`, licenseTypes: ['core'] })),
    );
    await modelsFor(db.connection).LicenseType.updateMany({}, { $set: { capacity: 1000 } });
    // One bulk change until tomorrow: its batches record a grant per learner.
    const { request } = await submitBulkRequest(deps, admin, {
      selection: { licenseTypes: ['core'] },
      change: { kind: 'reassign', from: 'core', to: 'pro' },
      reason: 'trial',
      timing: { until: new Date(START.getTime() + DAY) },
    });
    await approveBulkRequest(deps, { userId: 'ULEAD1', source: 'slack' }, request.id);
    expect(await runBulkJob({ ...deps, bulkBatchSize: 100 }, request.id)).toMatchObject({ status: 'completed', done: ids.length });
    expect(await deps.grants.countActiveGrantsFor({ requestId: request.id })).toBe(300);
    clock.advance(DAY);
    const other = { ...deps, processId: 'other-process' };
    const runs = await Promise.all([endDueGrants(deps, { batchSize: 50 }), endDueGrants(other, { batchSize: 50 })]);
    expect(runs.reduce((sum, run) => sum + run.ended, 0)).toBe(300);
    const { Assignment, Audit, Learner } = modelsFor(db.connection);
    expect(await Learner.countDocuments({ licenseTypes: ['core'] })).toBe(300);
    expect(await Assignment.countDocuments({ source: 'expiry' })).toBe(300);
    expect(await Audit.countDocuments({ source: 'expiry' })).toBe(300);
    expect(await modelsFor(db.connection).Grant.countDocuments({ status: 'ended' })).toBe(300);
    await expectSeatInvariant(db);
  });

  it('finishes an ending a crashed run left halfway, without changing anyone twice', async () => {
    const [fay] = await givenLearners(db, [{ email: 'fay@example.com', name: 'Fay', licenseTypes: ['core'] }]);
    const grantId = await grantUntil(deps, fay!, { kind: 'reassign', from: 'core', to: 'pro' }, new Date(START.getTime() + DAY));
    clock.advance(DAY);
    // A run claimed the grant (marked it ended under its batch's operation id), then died before the operation.
    const { claims } = await deps.grants.claimDueGrants(clock.now(), 'expiry:dead', 10, 60_000);
    expect(claims.map((c) => c.grants.map((g) => g.id))).toEqual([[grantId]]);
    expect(await deps.grants.getGrant(grantId)).toMatchObject({ status: 'ended', endOpId: 'expiry:dead' });
    // While its lease runs, nobody else touches it.
    expect(await endDueGrants(deps)).toMatchObject({ ended: 0 });
    expect((await learner('fay@example.com')).licenseTypes).toEqual(['pro']);
    clock.advance(61_000);
    expect(await endDueGrants(deps)).toMatchObject({ ended: 1 });
    expect((await learner('fay@example.com')).licenseTypes).toEqual(['core']);
    expect(await deps.grants.getGrant(grantId)).toMatchObject({ status: 'ended', endOutcome: 'ended', endOpId: 'expiry:dead' });
    const { Assignment, Audit, GrantEndClaim } = modelsFor(db.connection);
    expect(await Assignment.countDocuments({ source: 'expiry' })).toBe(1);
    expect(await GrantEndClaim.countDocuments()).toBe(0);

    // A run that died after its operation settled, before closing the claim: the next run closes
    // it and changes nobody again.
    await GrantEndClaim.create({ _id: 'expiry:dead', leaseUntil: clock.now(), createdAt: clock.now() });
    const audits = await Audit.countDocuments();
    clock.advance(1_000);
    expect(await endDueGrants(deps)).toMatchObject({ endedWithoutReturn: 0, superseded: 0, retried: 0 });
    expect((await learner('fay@example.com')).licenseTypes).toEqual(['core']);
    expect(await Assignment.countDocuments({ source: 'expiry' })).toBe(1);
    expect(await Audit.countDocuments()).toBe(audits);
    expect(await GrantEndClaim.countDocuments()).toBe(0);
    await expectSeatInvariant(db);
  });

  it('gives the grant of a learner changed while its batch ran back to the next claim, which ends it against what they hold now', async () => {
    const [gil] = await givenLearners(db, [{ email: 'gil@example.com', name: 'Gil', licenseTypes: ['core'] }]);
    const grantId = await grantUntil(deps, gil!, { kind: 'reassign', from: 'core', to: 'pro' }, new Date(START.getTime() + DAY));
    clock.advance(DAY);
    // A run claimed it and planned its operation against Gil as he was, then died.
    const { claims } = await deps.grants.claimDueGrants(clock.now(), 'expiry:dead', 10, 60_000);
    const learners = new Map((await deps.store.findLearnersByIds([gil!])).map((l) => [l.id, l]));
    const { items } = planReturns(claims[0]!.grants, learners);
    await deps.store.createOperation({
      id: 'expiry:dead',
      state: 'planned',
      change: { kind: 'reassign', from: 'pro', to: 'core' },
      actor: 'system',
      source: 'expiry',
      reason: 'Time-bound license ended',
      items,
      failed: [],
      touchedTypes: touchedTypes(items),
      createdAt: clock.now(),
    });
    // Meanwhile an admin added Coaching: the planned version no longer matches.
    await grantUntil(deps, gil!, { kind: 'add', to: 'coaching' }, new Date(START.getTime() + 90 * DAY));
    clock.advance(61_000);
    expect(await endDueGrants(deps)).toMatchObject({ ended: 1, retried: 1 });
    expect((await learner('gil@example.com')).licenseTypes).toEqual(['coaching', 'core']);
    const grant = await deps.grants.getGrant(grantId);
    expect(grant).toMatchObject({ status: 'ended', endOutcome: 'ended' });
    expect(grant?.endOpId).not.toBe('expiry:dead');
    expect(await modelsFor(db.connection).Assignment.countDocuments({ source: 'expiry', licenseType: 'core' })).toBe(1);
    await expectSeatInvariant(db);
  });
});

describe('warnings before a grant ends', () => {
  it('sends the 7-day and the 1-day warning once each, to the admin and (with notices on) the learner, with their buttons', async () => {
    deps = appServices(db, clock, { learnerNotices: true });
    const [gus] = await givenLearners(db, [{ email: 'gus@example.com', name: 'Gus', licenseTypes: ['core'], slackUserId: 'UGUS' }]);
    const grantId = await grantUntil(deps, gus!, { kind: 'reassign', from: 'core', to: 'pro' }, new Date(START.getTime() + 10 * DAY));

    clock.advance(3 * DAY - 60_000);
    expect(await sendDueWarnings(deps)).toEqual({ grants: 0, queued: 0 });
    clock.advance(60_000);
    expect(await sendDueWarnings(deps)).toEqual({ grants: 1, queued: 2 });
    expect(await sendDueWarnings(deps)).toEqual({ grants: 0, queued: 0 });
    await deliverNotices(db, slack, { now: clock.now });
    // The learner is messaged by their Slack id (Slack knows no user with Gus's email).
    const [toGus] = slack.messagesIn('UGUS');
    expect(toGus?.text).toContain('Your Learning Pro license ends');
    expect(toGus?.text).toContain('and you get Learning Core back');
    expect(buttons(toGus)).toEqual([{ action_id: slackIds.grant.askExtend, text: 'Ask for more time', value: { grantId } }]);
    const [toAdmin] = slack.messagesIn('UADMIN1');
    expect(toAdmin?.text).toContain('The Learning Pro you granted Gus (gus@example.com) ends');
    expect(buttons(toAdmin)).toEqual([{ action_id: slackIds.grant.extend, text: 'Extend', value: { grantId } }]);

    clock.advance(6 * DAY);
    await sendDueWarnings(deps);
    await sendDueWarnings(deps);
    await deliverNotices(db, slack, { now: clock.now });
    expect(slack.messagesIn('UGUS')).toHaveLength(2);
    expect(slack.messagesIn('UADMIN1')).toHaveLength(2);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(4);
    expect(slack.messagesIn('UGUS')[1]?.text).toContain('Your Learning Pro license ends');
    const end = new Date(START.getTime() + 10 * DAY).toISOString();
    expect(await queuedKeys()).toEqual(
      [`${grantId}:7d:${end}:admin`, `${grantId}:7d:${end}:learner`, `${grantId}:1d:${end}:admin`, `${grantId}:1d:${end}:learner`]
        .map((k) => `grant-warning:${k}`)
        .sort(),
    );
    expect(await deps.grants.getGrant(grantId)).toMatchObject({ warned: ['7d', '1d'], nextWarnAt: null });
  });

  it('tells the admin of a bulk change once per warning for all its learners, with Extend all', async () => {
    await givenLearners(
      db,
      Array.from({ length: 40 }, (_, i) => ({ email: `s${i}@example.com`, name: `S ${i}`, licenseTypes: ['core'] })),
    );
    const { request } = await submitBulkRequest(deps, admin, {
      selection: { licenseTypes: ['core'] },
      change: { kind: 'add', to: 'coaching' },
      reason: 'workshop',
      timing: { until: new Date(START.getTime() + 3 * DAY) },
    });
    await approveBulkRequest(deps, { userId: 'ULEAD1', source: 'slack' }, request.id);
    await runBulkJob({ ...deps, bulkBatchSize: 15 }, request.id);
    clock.advance(2 * DAY);
    expect(await sendDueWarnings(deps, { batchSize: 10 })).toEqual({ grants: 40, queued: 4 });
    await deliverNotices(db, slack, { now: clock.now });
    // Four batches queued the same message; the queue keeps one.
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    const [told] = slack.messagesIn('UADMIN1');
    expect(told?.text).toContain('The Coaching you granted 40 learners of your bulk change (');
    expect(told?.text?.match(/s\d+@example\.com/g)).toHaveLength(5);
    expect(buttons(told)).toEqual([{ action_id: slackIds.grant.extend, text: 'Extend all 40', value: { requestId: request.id } }]);
  });

  it('tells only the admin while learner notices are off', async () => {
    const [hal] = await givenLearners(db, [{ email: 'hal@example.com', name: 'Hal', licenseTypes: ['core'], slackUserId: 'UHAL' }]);
    await grantUntil(deps, hal!, { kind: 'add', to: 'coaching' }, new Date(START.getTime() + 2 * DAY));
    clock.advance(2 * DAY - 1);
    await sendDueWarnings(deps);
    await deliverNotices(db, slack, { now: clock.now });
    expect(slack.callsTo('chat.postMessage').map((c) => c.body.channel)).toEqual(['UADMIN1']);
  });

  it('sends only the latest warning when a late process finds both overdue', async () => {
    deps = appServices(db, clock, { learnerNotices: true });
    const [ivy] = await givenLearners(db, [{ email: 'ivy@example.com', name: 'Ivy', licenseTypes: ['core'] }]);
    slack.addUser({ id: 'UIVY', email: 'ivy@example.com' });
    const grantId = await grantUntil(deps, ivy!, { kind: 'add', to: 'coaching' }, new Date(START.getTime() + 10 * DAY));
    // The clock jumps (or the bot was down) past both warnings, not yet past the end.
    clock.advance(9.5 * DAY);
    await sendDueWarnings(deps);
    await sendDueWarnings(deps);
    await deliverNotices(db, slack, { now: clock.now });
    const end = new Date(START.getTime() + 10 * DAY).toISOString();
    expect(await queuedKeys()).toEqual([`grant-warning:${grantId}:1d:${end}:admin`, `grant-warning:${grantId}:1d:${end}:learner`]);
    // Ivy also heard of the change itself when it was made; of its end, once.
    expect(slack.messagesIn('UIVY').filter((m) => m.text.includes('license ends'))).toHaveLength(1);
    expect(slack.messagesIn('UADMIN1')).toHaveLength(1);
  });

  it('counts a learner without a Slack account and does not try them again', async () => {
    deps = appServices(db, clock, { learnerNotices: true });
    const [jan] = await givenLearners(db, [{ email: 'jan@example.com', name: 'Jan', licenseTypes: ['core'] }]);
    const grantId = await grantUntil(deps, jan!, { kind: 'add', to: 'coaching' }, new Date(START.getTime() + 2 * DAY));
    clock.advance(DAY);
    await sendDueWarnings(deps);
    await deliverNotices(db, slack, { now: clock.now });
    await deliverNotices(db, slack, { now: clock.now });
    const grant = (await deps.grants.getGrant(grantId))!;
    const source = grantWarningSource({ grantId }, '1d', grant.endsAt);
    expect(await db.repositories.notices.noticeCounts(source)).toEqual({ waiting: 0, sent: 0, noAccount: 1, failed: 0, withdrawn: 0 });
    expect(slack.callsTo('users.lookupByEmail').map((c) => c.body.email)).toEqual(['jan@example.com']);
    expect(slack.callsTo('chat.postMessage').map((c) => c.body.channel)).toEqual(['UADMIN1']);
  });
});

describe('warnings that no longer hold', () => {
  it('are withdrawn when the grant is extended before the queue sent them, and the new end is warned of', async () => {
    deps = appServices(db, clock, { learnerNotices: true });
    const [kai] = await givenLearners(db, [{ email: 'kai@example.com', name: 'Kai', licenseTypes: ['core'], slackUserId: 'UKAI' }]);
    const grantId = await grantUntil(deps, kai!, { kind: 'add', to: 'coaching' }, new Date(START.getTime() + 10 * DAY));
    clock.advance(3 * DAY);
    await sendDueWarnings(deps);
    // The queue is long: before it gets to Kai's warning, the admin extends the grant by a month.
    const newEnd = new Date(START.getTime() + 40 * DAY);
    expect(await extendGrants(deps, admin, { target: { grantId }, endsAt: newEnd })).toMatchObject({ kind: 'extended' });
    await deliverNotices(db, slack, { now: clock.now });
    expect(slack.messagesIn('UKAI').filter((m) => m.text.includes('license ends'))).toHaveLength(0);
    expect(slack.messagesIn('UADMIN1')).toHaveLength(0);

    clock.set(new Date(newEnd.getTime() - 7 * DAY));
    await sendDueWarnings(deps);
    await deliverNotices(db, slack, { now: clock.now });
    const warned = slack.messagesIn('UKAI').filter((m) => m.text.includes('license ends'));
    expect(warned).toHaveLength(1);
    expect(warned[0]?.text).toContain(newEnd.toISOString());
    expect(slack.messagesIn('UADMIN1')).toHaveLength(1);
  });

  it('are not sent once the grant has ended', async () => {
    const [lee] = await givenLearners(db, [{ email: 'lee@example.com', name: 'Lee', licenseTypes: ['core'] }]);
    const grantId = await grantUntil(deps, lee!, { kind: 'add', to: 'coaching' }, new Date(START.getTime() + 2 * DAY));
    clock.advance(DAY);
    await sendDueWarnings(deps);
    // The queue did not get to it before the end.
    clock.advance(DAY);
    const run = await deliverNotices(db, slack, { now: clock.now });
    expect(run).toMatchObject({ sent: 0, withdrawn: 1 });
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(await db.repositories.notices.noticeCounts(grantAdminSource({ grantId }))).toMatchObject({ waiting: 0, withdrawn: 1 });
  });
});

describe('extending a time-bound license', () => {
  it('moves the end, restarts its warnings and re-times its jobs, removing the warning that no longer applies', async () => {
    const timers = recordingTimers();
    deps = appServices(db, clock, { timers });
    const [jo] = await givenLearners(db, [{ email: 'jo@example.com', name: 'Jo', licenseTypes: ['core'] }]);
    const grantId = await grantUntil(deps, jo!, { kind: 'reassign', from: 'core', to: 'pro' }, new Date(START.getTime() + 10 * DAY));
    expect(timers.scheduled.map((t) => t.key)).toEqual([`grant:${grantId}`, `grant:${grantId}:7d`, `grant:${grantId}:1d`]);
    await sendDueWarnings(deps);

    clock.advance(4 * DAY);
    const newEnd = new Date(START.getTime() + 4 * DAY + 12 * 3_600_000);
    const outcome = await extendGrants(deps, admin, { target: { grantId }, endsAt: newEnd });
    expect(outcome).toMatchObject({ kind: 'extended', learners: 1, endsAt: newEnd });
    expect(await deps.grants.getGrant(grantId)).toMatchObject({ endsAt: newEnd, warned: [], extendedBy: 'UADMIN1' });
    // A 12-hour remainder warns once, at half the time: the 7-day job goes, the others move.
    expect(timers.scheduled.filter((t) => t.move).map((t) => [t.kind, t.key, t.at.toISOString()])).toEqual([
      ['grant_end', `grant:${grantId}`, newEnd.toISOString()],
      ['grant_warning', `grant:${grantId}:1d`, new Date(START.getTime() + 4 * DAY + 6 * 3_600_000).toISOString()],
    ]);
    expect(timers.cancelled).toEqual([{ kind: 'grant_warning', key: `grant:${grantId}:7d` }]);

    clock.set(new Date(newEnd.getTime() - 60_000));
    expect(await endDueGrants(deps)).toMatchObject({ ended: 0 });
    clock.set(newEnd);
    expect(await endDueGrants(deps)).toMatchObject({ ended: 1 });
    expect((await learner('jo@example.com')).licenseTypes).toEqual(['core']);
    // The old end passes with nothing left to do.
    clock.set(new Date(START.getTime() + 10 * DAY));
    expect(await endDueGrants(deps)).toMatchObject({ ended: 0, superseded: 0 });
  });

  it('moves a later end too: the old one passes and the license stays', async () => {
    const [mo] = await givenLearners(db, [{ email: 'mo@example.com', name: 'Mo', licenseTypes: ['core'] }]);
    const grantId = await grantUntil(deps, mo!, { kind: 'add', to: 'coaching' }, new Date(START.getTime() + 2 * DAY));
    await extendGrants(deps, admin, { target: { grantId }, endsAt: new Date(START.getTime() + 9 * DAY) });
    clock.advance(2 * DAY);
    expect(await endDueGrants(deps)).toMatchObject({ ended: 0 });
    expect((await learner('mo@example.com')).licenseTypes).toEqual(['core', 'coaching']);
    clock.advance(7 * DAY);
    expect(await endDueGrants(deps)).toMatchObject({ ended: 1 });
  });

  it('needs a team lead past MAX_GRANT_DAYS: the requester cannot approve it, a lead can', async () => {
    deps = appServices(db, clock, { maxGrantDays: 30 });
    const [kim] = await givenLearners(db, [{ email: 'kim@example.com', name: 'Kim', groups: ['Sales'], licenseTypes: ['core'] }]);
    const grantId = await grantUntil(deps, kim!, { kind: 'reassign', from: 'core', to: 'pro' }, new Date(START.getTime() + 20 * DAY));

    const within = await extendGrants(deps, admin, { target: { grantId }, endsAt: new Date(START.getTime() + 30 * DAY) });
    expect(within.kind).toBe('extended');
    const beyond = await extendGrants(deps, admin, {
      target: { grantId },
      endsAt: new Date(START.getTime() + 45 * DAY),
      reason: 'project runs late',
    });
    if (beyond.kind !== 'needs_approval') throw new Error('expected the extension to need approval');
    expect((await deps.grants.getGrant(grantId))?.endsAt).toEqual(new Date(START.getTime() + 30 * DAY));

    await expect(
      decideExtension({ ...deps, configApprovers: ['ULEAD1', 'UADMIN1'] }, admin, beyond.request.id, 'approved'),
    ).rejects.toMatchObject({
      code: 'own_bulk_request',
    });
    await expect(decideExtension(deps, { userId: 'USTRANGER', source: 'slack' }, beyond.request.id, 'approved')).rejects.toMatchObject({
      code: 'not_lead',
    });
    const decided = await decideExtension(deps, { userId: 'ULEAD1', source: 'slack' }, beyond.request.id, 'approved');
    expect(decided).toMatchObject({ kind: 'approved', learners: 1 });
    expect((await deps.grants.getGrant(grantId))?.endsAt).toEqual(new Date(START.getTime() + 45 * DAY));
    expect((await decideExtension(deps, { userId: 'ULEAD1', source: 'slack' }, beyond.request.id, 'approved')).kind).toBe(
      'already_decided',
    );
    const { Audit } = modelsFor(db.connection);
    expect(await Audit.countDocuments({ action: 'grant.extend.approve', outcome: 'applied' })).toBe(1);
    expect(await Audit.countDocuments({ action: 'grant.extend.approve', outcome: 'refused' })).toBe(3);
  });

  it('refuses a grant that already ended', async () => {
    const [lu] = await givenLearners(db, [{ email: 'lu@example.com', name: 'Lu', licenseTypes: ['core'] }]);
    const grantId = await grantUntil(deps, lu!, { kind: 'add', to: 'coaching' }, new Date(START.getTime() + DAY));
    clock.advance(DAY);
    await endDueGrants(deps);
    await expect(extendGrants(deps, admin, { target: { grantId }, endsAt: new Date(START.getTime() + 3 * DAY) })).rejects.toBeInstanceOf(
      LicenseError,
    );
  });
});
