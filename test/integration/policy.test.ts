import { modelsFor } from '../../src/db/models/index.js';
import type { AppServices } from '../../src/licensing/app-services.js';
import { approveBulkRequest, rejectBulkRequest } from '../../src/licensing/bulk/decisions.js';
import { cancelBulkJob, submitBulkRequest } from '../../src/licensing/bulk/requests.js';
import { runBulkJob } from '../../src/licensing/bulk/runner.js';
import { handleApprovalDeadlines, remindDueApprovals } from '../../src/licensing/policy/deadlines.js';
import { policyOverview } from '../../src/licensing/policy/overview.js';
import { recordingNotifier } from '../support/bulk-fixtures.js';
import { openTestDatabase } from '../support/database.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { appServices, recordingApprovalNotifier, recordingTimers, type TestClock, testClock } from '../support/schedule-fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
let clock: TestClock;
let deps: AppServices;

const HOUR = 3_600_000;
const START = new Date('2026-12-01T09:00:00Z');
const admin = { userId: 'UADMIN1', source: 'slack' as const, channelId: 'C1' };
const lead = (userId: string) => ({ userId, source: 'slack' as const });
const coreToPro = { kind: 'reassign' as const, from: 'core', to: 'pro' };

beforeEach(async () => {
  db = await openTestDatabase();
  clock = testClock(START);
  deps = appServices(db, clock, {
    configApprovers: ['ULEAD1', 'ULEAD2', 'UADMIN1'],
    bulkApprovalThreshold: 5,
    approvalTtlHours: 24,
    approvalPolicy: { quorum: { threshold: 20, approvals: 2 } },
  });
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 1000 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
});
afterEach(async () => {
  await db.drop();
});

async function givenSales(count: number) {
  return givenLearners(
    db,
    Array.from({ length: count }, (_, i) => ({ email: `s${i}@example.com`, name: `S ${i}`, groups: ['Sales'], licenseTypes: ['core'] })),
  );
}

async function submit(count: number, extra: Partial<Parameters<typeof submitBulkRequest>[2]> = {}) {
  await givenSales(count);
  const { request } = await submitBulkRequest(deps, admin, {
    selection: { groups: ['Sales'] },
    change: coreToPro,
    reason: 'renewal',
    ...extra,
  });
  return request;
}

describe('a quorum of team leads', () => {
  it('needs two distinct leads above the threshold; the requester and a non-lead are refused', async () => {
    const request = await submit(30);
    expect(request).toMatchObject({ status: 'pending_approval', quorum: 2 });

    await expect(approveBulkRequest(deps, admin, request.id)).rejects.toMatchObject({ code: 'own_bulk_request' });
    await expect(approveBulkRequest(deps, lead('USTRANGER'), request.id)).rejects.toMatchObject({ code: 'not_lead' });
    const first = await approveBulkRequest(deps, lead('ULEAD1'), request.id);
    expect(first.kind).toBe('approval_recorded');
    expect(first.request.approvals?.map((a) => a.by)).toEqual(['ULEAD1']);
    expect((await approveBulkRequest(deps, lead('ULEAD1'), request.id)).kind).toBe('already_approved');
    expect((await deps.bulk.getBulkRequest(request.id))?.status).toBe('pending_approval');

    const second = await approveBulkRequest(deps, lead('ULEAD2'), request.id);
    expect(second).toMatchObject({ kind: 'approved', request: { status: 'approved', decidedBy: 'ULEAD2' } });
    expect(second.request.approvals?.map((a) => a.by)).toEqual(['ULEAD1', 'ULEAD2']);
    const { Audit } = modelsFor(db.connection);
    expect(await Audit.countDocuments({ action: 'bulk.approve', outcome: 'applied' })).toBe(2);
    expect(await Audit.distinct('code', { action: 'bulk.approve', outcome: 'refused' })).toEqual(
      expect.arrayContaining(['own_bulk_request', 'not_lead', 'already_approved']),
    );
  });

  it('approves once when the last two approvals come at the same moment', async () => {
    deps = { ...deps, approvalPolicy: { quorum: { threshold: 20, approvals: 2 } }, configApprovers: ['ULEAD1', 'ULEAD2', 'ULEAD3'] };
    const request = await submit(30);
    await approveBulkRequest(deps, lead('ULEAD1'), request.id);
    const outcomes = await Promise.all([
      approveBulkRequest(deps, lead('ULEAD2'), request.id),
      approveBulkRequest(deps, lead('ULEAD3'), request.id),
    ]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['already_decided', 'approved']);
  });

  it('is ended by one Reject, even after an approval', async () => {
    const request = await submit(30);
    await approveBulkRequest(deps, lead('ULEAD1'), request.id);
    const rejected = await rejectBulkRequest(deps, lead('ULEAD2'), request.id, 'not this quarter');
    expect(rejected).toMatchObject({ kind: 'rejected', request: { status: 'rejected', decidedBy: 'ULEAD2' } });
    expect((await approveBulkRequest(deps, lead('ULEAD1'), request.id)).kind).toBe('already_decided');
  });

  it('does not apply below the quorum threshold: one lead is enough', async () => {
    const request = await submit(10);
    expect(request.quorum).toBeUndefined();
    expect((await approveBulkRequest(deps, lead('ULEAD1'), request.id)).kind).toBe('approved');
  });
});

describe('reminders, escalation and expiry', () => {
  it('reminds the leads who can still decide at half the approval window, once', async () => {
    const timers = recordingTimers();
    deps = { ...deps, timers };
    const request = await submit(30);
    expect(timers.scheduled.map((t) => [t.kind, t.key, t.at.toISOString()])).toEqual([
      ['approval_reminder', request.id, new Date(START.getTime() + 12 * HOUR).toISOString()],
      ['approval_deadline', request.id, new Date(START.getTime() + 24 * HOUR).toISOString()],
    ]);
    await approveBulkRequest(deps, lead('ULEAD1'), request.id);
    const notifier = recordingApprovalNotifier();

    clock.advance(12 * HOUR - 1);
    expect(await remindDueApprovals(deps, { approvals: notifier })).toBe(0);
    clock.advance(1);
    const other = { ...deps, processId: 'other' };
    const reminded = await Promise.all([
      remindDueApprovals(deps, { approvals: notifier }),
      remindDueApprovals(other, { approvals: notifier }),
    ]);
    expect(reminded.reduce((a, b) => a + b, 0)).toBe(1);
    expect(notifier.reminders).toHaveLength(1);
    // ULEAD1 approved already and UADMIN1 asked: only ULEAD2 can still decide.
    expect(notifier.reminders[0]?.leads).toEqual(['ULEAD2']);
    expect(await modelsFor(db.connection).Audit.countDocuments({ action: 'bulk.remind', source: 'job' })).toBe(1);
  });

  it('expires at the deadline when no escalation is set', async () => {
    const request = await submit(30);
    const notifiers = { bulk: recordingNotifier(), approvals: recordingApprovalNotifier() };
    clock.advance(24 * HOUR);
    const run = await handleApprovalDeadlines(deps, notifiers);
    expect(run.expired.map((r) => r.id)).toEqual([request.id]);
    expect(notifiers.bulk.expiredCalls).toHaveLength(1);
    expect(notifiers.approvals.escalations).toHaveLength(0);
  });

  it('escalates once at the deadline with a fresh one, lets the escalation users decide, then expires', async () => {
    const timers = recordingTimers();
    deps = { ...deps, timers, approvalPolicy: { escalateTo: { users: ['UBOSS'] } } };
    const request = await submit(10);
    const notifiers = { bulk: recordingNotifier(), approvals: recordingApprovalNotifier() };
    clock.advance(24 * HOUR);
    // A click between the deadline and its job is told the request is being escalated.
    await expect(approveBulkRequest(deps, lead('ULEAD1'), request.id)).rejects.toMatchObject({ code: 'approval_escalating' });

    const [run, again] = [await handleApprovalDeadlines(deps, notifiers), await handleApprovalDeadlines(deps, notifiers)];
    expect(run.escalated.map((r) => r.id)).toEqual([request.id]);
    expect(again.escalated).toHaveLength(0);
    expect(run.expired).toHaveLength(0);
    const escalated = await deps.bulk.getBulkRequest(request.id);
    expect(escalated).toMatchObject({
      status: 'pending_approval',
      escalatedTo: { users: ['UBOSS'] },
      expiresAt: new Date(START.getTime() + 48 * HOUR),
      escalationMessages: [{ channel: 'CESCALATE', ts: '1700000000.000001' }],
    });
    expect(timers.scheduled.filter((t) => t.kind === 'approval_deadline').map((t) => t.key)).toEqual([
      request.id,
      `${request.id}:escalated`,
    ]);
    expect(notifiers.approvals.escalations).toHaveLength(1);
    expect(await modelsFor(db.connection).Audit.countDocuments({ action: 'bulk.escalate' })).toBe(1);

    // The escalation user (not a lead) may now decide; nobody does.
    clock.advance(24 * HOUR);
    const last = await handleApprovalDeadlines(deps, notifiers);
    expect(last.expired.map((r) => r.id)).toEqual([request.id]);
    expect(notifiers.bulk.expiredCalls).toHaveLength(1);
  });

  it('lets the people a request was escalated to approve it', async () => {
    deps = { ...deps, approvalPolicy: { escalateTo: { users: ['UBOSS'] } } };
    const request = await submit(10);
    clock.advance(24 * HOUR);
    await handleApprovalDeadlines(deps, { bulk: recordingNotifier(), approvals: recordingApprovalNotifier() });
    expect((await approveBulkRequest(deps, lead('UBOSS'), request.id)).kind).toBe('approved');
  });

  it('shows the policy to admins and refuses others', async () => {
    deps = { ...deps, maxGrantDays: 90, approvalPolicy: { escalateTo: { channelId: 'CBOSSES' }, quorum: { threshold: 20, approvals: 2 } } };
    expect(await policyOverview(deps, admin)).toEqual({
      approvalThreshold: 5,
      ttlHours: 24,
      remindAfterHours: 12,
      escalateTo: { channelId: 'CBOSSES' },
      quorum: { threshold: 20, approvals: 2 },
      maxGrantDays: 90,
    });
    await expect(policyOverview(deps, lead('ULEAD1'))).rejects.toMatchObject({ code: 'not_admin' });
  });
});

describe('a scheduled bulk change', () => {
  it('is refused with a sentence when its moment has passed', async () => {
    await expect(submit(3, { timing: { applyAt: new Date(START.getTime() - 60_000) } })).rejects.toMatchObject({
      code: 'schedule_in_past',
      message: expect.stringContaining('already passed'),
    });
  });

  it('must be approved before it is due, waits for its moment and then applies', async () => {
    const applyAt = new Date(START.getTime() + 2 * HOUR);
    const request = await submit(10, { timing: { applyAt } });
    expect(request).toMatchObject({ status: 'pending_approval', applyAt, expiresAt: applyAt });
    await approveBulkRequest(deps, lead('ULEAD1'), request.id);
    expect(await runBulkJob(deps, request.id)).toMatchObject({ status: 'approved' });
    expect(await modelsFor(db.connection).Learner.countDocuments({ licenseTypes: 'pro' })).toBe(0);
    clock.set(applyAt);
    expect(await runBulkJob(deps, request.id)).toMatchObject({ status: 'completed', done: 10 });
    await expectSeatInvariant(db);
  });

  it('is refused with the shortfall when seats ran out by then, leaving nothing half-applied', async () => {
    await modelsFor(db.connection).LicenseType.updateOne({ key: 'pro' }, { $set: { capacity: 12 } });
    const applyAt = new Date(START.getTime() + HOUR);
    const request = await submit(10, { timing: { applyAt } });
    await approveBulkRequest(deps, lead('ULEAD1'), request.id);
    // Someone else took seats meanwhile.
    await givenLearners(db, [
      { email: 'x1@example.com', name: 'X1', licenseTypes: ['pro'] },
      { email: 'x2@example.com', name: 'X2', licenseTypes: ['pro'] },
      { email: 'x3@example.com', name: 'X3', licenseTypes: ['pro'] },
      { email: 'x4@example.com', name: 'X4', licenseTypes: ['pro'] },
      { email: 'x5@example.com', name: 'X5', licenseTypes: ['pro'] },
    ]);
    clock.set(applyAt);
    const summary = await runBulkJob({ ...deps, bulkBatchSize: 3 }, request.id);
    expect(summary).toMatchObject({ status: 'failed', failureCode: 'seats_short', done: 0 });
    expect(summary.failureDetail).toContain('3 seats short');
    expect(await modelsFor(db.connection).Learner.countDocuments({ licenseTypes: 'pro' })).toBe(5);
    await expectSeatInvariant(db);
  });

  it('a time-bound change must be approved before its end, and does not start once its end has passed', async () => {
    const until = new Date(START.getTime() + 2 * HOUR);
    const request = await submit(10, { timing: { until } });
    expect(request.expiresAt).toEqual(until);
    clock.advance(HOUR);
    await approveBulkRequest(deps, lead('ULEAD1'), request.id);
    // The job could not run until after the end (every process was down).
    clock.advance(2 * HOUR);
    expect(await runBulkJob(deps, request.id)).toMatchObject({ status: 'failed', failureCode: 'until_in_past', done: 0 });
    expect(await modelsFor(db.connection).Grant.countDocuments()).toBe(0);
  });

  it('can be cancelled before it runs, which removes its job', async () => {
    const timers = recordingTimers();
    deps = { ...deps, timers };
    const request = await submit(3, { timing: { applyAt: new Date(START.getTime() + HOUR) } });
    expect(request.status).toBe('approved');
    expect((await cancelBulkJob(deps, admin, request.id)).kind).toBe('cancelled');
    expect(timers.cancelled).toContainEqual({ kind: 'scheduled_change', key: request.id });
    clock.advance(HOUR);
    expect(await runBulkJob(deps, request.id)).toMatchObject({ status: 'cancelled', done: 0 });
  });
});
