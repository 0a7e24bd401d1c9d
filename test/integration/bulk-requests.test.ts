import { modelsFor } from '../../src/db/models/index.js';
import { approveBulkRequest, expireBulkRequests, rejectBulkRequest } from '../../src/licensing/bulk/decisions.js';
import { addLead, canDecide, listLeads, removeLead } from '../../src/licensing/bulk/leads.js';
import {
  cancelBulkJob,
  listBulkJobs,
  listPendingBulkRequests,
  SeatsShortError,
  setBulkApprovalMessage,
  setBulkProgressMessage,
  submitBulkRequest,
} from '../../src/licensing/bulk/requests.js';
import { runBulkJob } from '../../src/licensing/bulk/runner.js';
import { normalizeSelection, parseEmailList, previewBulkChange } from '../../src/licensing/bulk/selection.js';
import type { AdminChange } from '../../src/licensing/model.js';
import { bulkDeps, givenManyLearners } from '../support/bulk-fixtures.js';
import { openTestDatabase } from '../support/database.js';
import { givenLearners, givenLicenseTypes } from '../support/fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;

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

const admin = { userId: 'UADMIN1', source: 'slack' as const, channelId: 'C1' };
const lead = { userId: 'ULEAD1', source: 'slack' as const, channelId: 'CAPPROVALS' };
const coreToPro: AdminChange = { kind: 'reassign', from: 'core', to: 'pro' };
const HOUR = 3_600_000;

/** A pending request over 30 learners of group `eng` (above the threshold of 25). */
async function pendingRequest(deps = bulkDeps(db)) {
  await givenManyLearners(db, 30, { prefix: 'eng', groups: ['eng'], licenseTypes: ['core'] });
  const { request, needsApproval } = await submitBulkRequest(deps, admin, {
    selection: { groups: ['eng'] },
    change: coreToPro,
    reason: 'team moves to Pro',
  });
  expect(needsApproval).toBe(true);
  return request;
}

async function auditOf(action: string) {
  return modelsFor(db.connection).Audit.find({ action }).sort({ at: 1, _id: 1 }).lean();
}

describe('previewing a bulk change', () => {
  it('counts matched, skipped, blocked and changed learners and the seats needed', async () => {
    const deps = bulkDeps(db);
    await givenLearners(db, [
      { email: 'ada@example.com', name: 'Ada Lovelace', groups: ['eng'], licenseTypes: ['core'] },
      { email: 'alan@example.com', name: 'Alan Turing', groups: ['eng'], licenseTypes: ['core'] },
      { email: 'grace@example.com', name: 'Grace Hopper', groups: ['eng'], licenseTypes: ['pro'] },
      { email: 'old@example.com', name: 'Old Timer', groups: ['eng'], licenseTypes: ['core'], status: 'deactivated' },
      { email: 'nolic@example.com', name: 'No License', groups: ['eng'] },
      { email: 'sales@example.com', name: 'Sal Es', groups: ['sales'], licenseTypes: ['core'] },
    ]);

    const preview = await previewBulkChange(deps, normalizeSelection({ groups: ['eng'] }), coreToPro);

    expect(preview).toMatchObject({
      matched: 5,
      alreadyOnTarget: 1,
      deactivated: 1,
      notOnType: 1,
      blocked: 2,
      toChange: 2,
      seatsNeeded: 2,
      seatsFree: 99,
      shortBy: 0,
      unknownEmails: [],
    });
    expect(preview.sample.map((l) => l.email)).toEqual([
      'ada@example.com',
      'alan@example.com',
      'grace@example.com',
      'old@example.com',
      'nolic@example.com',
    ]);
    expect(preview.sample[0]).toMatchObject({ name: 'Ada Lovelace', licenseTypes: ['core'] });
  });

  it('combines every filter, honours exclusions and reports pasted emails nobody has', async () => {
    const deps = bulkDeps(db);
    const [ada, , grace] = await givenLearners(db, [
      { email: 'ada@example.com', name: 'Ada Lovelace', groups: ['eng'], licenseTypes: ['core'] },
      { email: 'alan@example.com', name: 'Alan Turing', groups: ['eng'], licenseTypes: ['core'] },
      { email: 'grace@example.com', name: 'Grace Hopper', groups: ['eng'], licenseTypes: ['core'] },
      { email: 'joan@example.com', name: 'Joan Clarke', groups: ['ops'], licenseTypes: [] },
    ]);
    const { emails, invalid } = parseEmailList(
      'Ada@Example.com, <mailto:grace@example.com|grace@example.com>; joan@example.com\nnobody@example.com not-an-email',
    );
    expect(invalid).toEqual(['not-an-email']);

    const preview = await previewBulkChange(
      deps,
      normalizeSelection({ emails, excludeIds: [grace!], licenseTypes: ['core'], withoutLicense: true, status: 'active' }),
      { kind: 'add', to: 'pro' },
    );

    expect(preview.unknownEmails).toEqual(['nobody@example.com']);
    expect(preview.sample.map((l) => l.email)).toEqual(['ada@example.com', 'joan@example.com']);
    expect(preview.toChange).toBe(2);
    const byText = await previewBulkChange(deps, normalizeSelection({ text: 'LOVE', excludeEmails: ['alan@example.com'] }), {
      kind: 'add',
      to: 'pro',
    });
    expect(byText.sample.map((l) => l.id)).toEqual([ada]);
  });

  it('matches name or email text literally, never as a pattern', async () => {
    const deps = bulkDeps(db);
    await givenLearners(db, [
      { email: 'a.b@example.com', name: 'Dot Person' },
      { email: 'axb@example.com', name: 'X Person' },
      { email: 'c@example.com', name: 'Paren (C) Person' },
    ]);
    const count = async (text: string) =>
      (await previewBulkChange(deps, normalizeSelection({ text }), { kind: 'add', to: 'core' })).matched;
    expect(await count('a.b')).toBe(1);
    expect(await count('(c)')).toBe(1);
    expect(await count('.*')).toBe(0);
  });

  it('reports the shortfall when the target type lacks seats, and the submission is refused with it', async () => {
    const deps = bulkDeps(db);
    await givenManyLearners(db, 90, { prefix: 'held', licenseTypes: ['pro'] });
    await givenManyLearners(db, 25, { prefix: 'eng', groups: ['eng'], licenseTypes: ['core'] });

    const preview = await previewBulkChange(deps, normalizeSelection({ groups: ['eng'] }), coreToPro);
    expect(preview).toMatchObject({ toChange: 25, seatsNeeded: 25, seatsFree: 10, shortBy: 15 });

    const attempt = submitBulkRequest(deps, admin, { selection: { groups: ['eng'] }, change: coreToPro, reason: 'upgrade' });
    await expect(attempt).rejects.toBeInstanceOf(SeatsShortError);
    await expect(attempt).rejects.toMatchObject({ code: 'seats_short', shortBy: 15 });
    await expect(attempt).rejects.toThrow(
      'Not enough Learning Pro seats: this change needs 25 seats but only 10 are free, so it is 15 seats short.',
    );
    expect(await modelsFor(db.connection).BulkRequest.countDocuments()).toBe(0);
    expect(await auditOf('bulk.submit')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ outcome: 'refused', code: 'seats_short', details: { seatsNeeded: 25, seatsFree: 10, shortBy: 15 } }),
      ]),
    );
  });

  it('treats an unlimited type as having every seat free', async () => {
    const deps = bulkDeps(db);
    await givenManyLearners(db, 5, { licenseTypes: ['pro'] });
    const preview = await previewBulkChange(deps, normalizeSelection({}), { kind: 'reassign', from: null, to: 'core' });
    expect(preview).toMatchObject({ toChange: 5, seatsFree: Number.POSITIVE_INFINITY, shortBy: 0 });
  });

  it('refuses an unknown license type', async () => {
    await expect(previewBulkChange(bulkDeps(db), normalizeSelection({}), { kind: 'add', to: 'nope' })).rejects.toMatchObject({
      code: 'unknown_license_type',
    });
  });
});

describe('submitting bulk requests', () => {
  it('approves at once up to the threshold, as the admin confirmed it by submitting', async () => {
    const deps = bulkDeps(db);
    await givenManyLearners(db, 25, { licenseTypes: ['core'] });
    const { request, needsApproval } = await submitBulkRequest(deps, admin, { selection: {}, change: coreToPro, reason: 'renewal' });
    expect(needsApproval).toBe(false);
    expect(request).toMatchObject({
      status: 'approved',
      decidedBy: 'UADMIN1',
      requestedBy: 'UADMIN1',
      channelId: 'C1',
      preview: { toChange: 25 },
    });
    expect(request.expiresAt).toBeUndefined();
    expect(await auditOf('bulk.submit')).toEqual([
      expect.objectContaining({
        outcome: 'applied',
        actor: 'UADMIN1',
        details: expect.objectContaining({ requestId: request.id, status: 'approved', toChange: 25 }),
      }),
    ]);
  });

  it('waits for a team lead above the threshold, until the approval window closes', async () => {
    const now = new Date('2030-01-01T09:00:00Z');
    const request = await pendingRequest(bulkDeps(db, { now: () => now }));
    expect(request).toMatchObject({ status: 'pending_approval', preview: { toChange: 30 } });
    expect(request.expiresAt).toEqual(new Date(now.getTime() + 72 * HOUR));
    expect(request.decidedBy).toBeUndefined();
  });

  it('refuses non-admins, empty reasons and selections where nothing would change', async () => {
    const deps = bulkDeps(db);
    await givenManyLearners(db, 3, { licenseTypes: ['pro'] });
    await expect(
      submitBulkRequest(deps, { userId: 'UOTHER', source: 'slack' }, { selection: {}, change: coreToPro, reason: 'x' }),
    ).rejects.toMatchObject({ code: 'not_admin' });
    await expect(submitBulkRequest(deps, admin, { selection: {}, change: coreToPro, reason: '  ' })).rejects.toMatchObject({
      code: 'reason_required',
    });
    await expect(submitBulkRequest(deps, admin, { selection: {}, change: { kind: 'add', to: 'pro' }, reason: 'x' })).rejects.toMatchObject({
      code: 'nothing_to_change',
    });
    await expect(
      submitBulkRequest(deps, admin, { selection: { emails: ['not an email'] }, change: coreToPro, reason: 'x' }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await modelsFor(db.connection).BulkRequest.countDocuments()).toBe(0);
    expect((await auditOf('bulk.submit')).map((e) => [e.outcome, e.code])).toEqual([
      ['refused', 'not_admin'],
      ['refused', 'reason_required'],
      ['refused', 'nothing_to_change'],
      ['refused', 'invalid_input'],
    ]);
  });
});

describe('approving and rejecting bulk requests', () => {
  it('lets a lead approve, recording who and when', async () => {
    const deps = bulkDeps(db);
    const request = await pendingRequest(deps);
    const outcome = await approveBulkRequest(deps, lead, request.id);
    expect(outcome).toMatchObject({ kind: 'approved', request: { status: 'approved', decidedBy: 'ULEAD1' } });
    expect(await auditOf('bulk.approve')).toEqual([
      expect.objectContaining({ outcome: 'applied', actor: 'ULEAD1', details: expect.objectContaining({ requestId: request.id }) }),
    ]);
  });

  it('refuses approval by the requester, even when they are a lead', async () => {
    const deps = bulkDeps(db, { configApprovers: ['ULEAD1', 'UADMIN1'] });
    const request = await pendingRequest(deps);
    await expect(approveBulkRequest(deps, admin, request.id)).rejects.toMatchObject({ code: 'own_bulk_request' });
    expect((await deps.bulk.getBulkRequest(request.id))?.status).toBe('pending_approval');
    expect(await auditOf('bulk.approve')).toEqual([
      expect.objectContaining({ outcome: 'refused', code: 'own_bulk_request', actor: 'UADMIN1' }),
    ]);
  });

  it('refuses approval by someone who is not a team lead', async () => {
    const deps = bulkDeps(db);
    const request = await pendingRequest(deps);
    await expect(approveBulkRequest(deps, { userId: 'UNOBODY', source: 'slack' }, request.id)).rejects.toMatchObject({ code: 'not_lead' });
    await expect(rejectBulkRequest(deps, { userId: 'UNOBODY', source: 'slack' }, request.id, 'no')).rejects.toMatchObject({
      code: 'not_lead',
    });
    expect((await deps.bulk.getBulkRequest(request.id))?.status).toBe('pending_approval');
    expect(await modelsFor(db.connection).Audit.countDocuments({ actor: 'UNOBODY', outcome: 'refused', code: 'not_lead' })).toBe(2);
  });

  it('lets a group-limited lead decide only requests within their groups', async () => {
    const deps = bulkDeps(db);
    const request = await pendingRequest(deps);
    await addLead(deps, admin, 'USALESLEAD', ['sales']);
    await addLead(deps, admin, 'UENGLEAD', ['eng', 'ops']);
    expect(await canDecide(deps, 'USALESLEAD', request)).toBe(false);
    await expect(approveBulkRequest(deps, { userId: 'USALESLEAD', source: 'slack' }, request.id)).rejects.toMatchObject({
      code: 'lead_out_of_scope',
    });
    expect(await canDecide(deps, 'UENGLEAD', { ...request, selection: { ...request.selection, groups: [] } })).toBe(false);
    expect(await canDecide(deps, 'UENGLEAD', request)).toBe(true);
    expect(await approveBulkRequest(deps, { userId: 'UENGLEAD', source: 'slack' }, request.id)).toMatchObject({ kind: 'approved' });
  });

  it('lets the first of two simultaneous decisions win and tells the other who decided', async () => {
    const deps = bulkDeps(db, { configApprovers: ['ULEAD1', 'ULEAD2'] });
    const request = await pendingRequest(deps);
    const outcomes = await Promise.all([
      approveBulkRequest(deps, { userId: 'ULEAD1', source: 'slack' }, request.id),
      approveBulkRequest(deps, { userId: 'ULEAD2', source: 'slack' }, request.id),
      rejectBulkRequest(deps, { userId: 'ULEAD2', source: 'slack' }, request.id, 'not now'),
    ]);
    const winners = outcomes.filter((o) => o.kind === 'approved' || o.kind === 'rejected');
    expect(winners).toHaveLength(1);
    const stored = await deps.bulk.getBulkRequest(request.id);
    for (const loser of outcomes.filter((o) => o.kind === 'already_decided')) {
      expect(loser.request).toMatchObject({ status: stored?.status, decidedBy: stored?.decidedBy, decidedAt: stored?.decidedAt });
    }
    expect(outcomes.filter((o) => o.kind === 'already_decided')).toHaveLength(2);
    expect(
      await modelsFor(db.connection).Audit.countDocuments({ action: { $in: ['bulk.approve', 'bulk.reject'] }, outcome: 'applied' }),
    ).toBe(1);
  });

  it('rejects with a required reason, after which approval is refused as already decided', async () => {
    const deps = bulkDeps(db, { configApprovers: ['ULEAD1', 'ULEAD2'] });
    const request = await pendingRequest(deps);
    await expect(rejectBulkRequest(deps, lead, request.id, ' ')).rejects.toMatchObject({ code: 'reason_required' });
    const rejected = await rejectBulkRequest(deps, lead, request.id, 'Budget is frozen until March');
    expect(rejected).toMatchObject({
      kind: 'rejected',
      request: { status: 'rejected', decidedBy: 'ULEAD1', decisionReason: 'Budget is frozen until March' },
    });
    expect(await approveBulkRequest(deps, { userId: 'ULEAD2', source: 'slack' }, request.id)).toMatchObject({
      kind: 'already_decided',
      request: { status: 'rejected', decidedBy: 'ULEAD1' },
    });
    expect((await auditOf('bulk.reject')).map((e) => [e.outcome, e.code ?? null])).toEqual([
      ['refused', 'reason_required'],
      ['applied', null],
    ]);
    // A rejected request never runs.
    expect(await runBulkJob(deps, request.id)).toMatchObject({ status: 'rejected', done: 0 });
    expect(await modelsFor(db.connection).Learner.countDocuments({ licenseTypes: 'pro' })).toBe(0);
  });

  it('refuses an unknown request id', async () => {
    await expect(approveBulkRequest(bulkDeps(db), lead, '0123456789abcdef01234567')).rejects.toMatchObject({
      code: 'bulk_request_not_found',
    });
    await expect(approveBulkRequest(bulkDeps(db), lead, 'garbage')).rejects.toMatchObject({ code: 'bulk_request_not_found' });
  });
});

describe('expiring bulk requests', () => {
  it('expires overdue requests once and refuses to approve them', async () => {
    const start = new Date('2030-01-01T09:00:00Z');
    const request = await pendingRequest(bulkDeps(db, { now: () => start }));
    const before = bulkDeps(db, { now: () => new Date(start.getTime() + 71 * HOUR) });
    expect(await expireBulkRequests(before)).toEqual([]);
    expect(await listPendingBulkRequests(before)).toHaveLength(1);

    const after = bulkDeps(db, { now: () => new Date(start.getTime() + 73 * HOUR) });
    expect(await listPendingBulkRequests(after)).toHaveLength(0);
    const expired = await expireBulkRequests(after);
    expect(expired.map((r) => [r.id, r.status])).toEqual([[request.id, 'expired']]);
    expect(await expireBulkRequests(after)).toEqual([]);
    expect(await approveBulkRequest(after, lead, request.id)).toMatchObject({ kind: 'expired', request: { status: 'expired' } });
    expect((await auditOf('bulk.expire')).map((e) => e.details)).toEqual([expect.objectContaining({ requestId: request.id })]);
  });

  it('refuses approval of an overdue request even before the sweep marked it', async () => {
    const start = new Date('2030-01-01T09:00:00Z');
    const request = await pendingRequest(bulkDeps(db, { now: () => start }));
    const late = bulkDeps(db, { now: () => new Date(start.getTime() + 80 * HOUR) });
    expect(await approveBulkRequest(late, lead, request.id)).toMatchObject({ kind: 'expired', request: { status: 'expired' } });
    expect(await expireBulkRequests(late)).toEqual([]);
  });
});

describe('cancelling bulk requests', () => {
  it('cancels a request that has not started, by its requester or an admin only', async () => {
    const deps = bulkDeps(db);
    const request = await pendingRequest(deps);
    await expect(cancelBulkJob(deps, { userId: 'UOTHER', source: 'slack' }, request.id)).rejects.toMatchObject({ code: 'not_requester' });
    expect(await cancelBulkJob(deps, admin, request.id)).toMatchObject({
      kind: 'cancelled',
      request: { status: 'cancelled', cancelRequestedBy: 'UADMIN1' },
    });
    expect(await cancelBulkJob(deps, admin, request.id)).toMatchObject({ kind: 'already_finished' });
    expect(await approveBulkRequest(deps, lead, request.id)).toMatchObject({ kind: 'already_decided', request: { status: 'cancelled' } });
    expect((await auditOf('bulk.cancel')).map((e) => [e.actor, e.outcome, e.code ?? null])).toEqual([
      ['UOTHER', 'refused', 'not_requester'],
      ['UADMIN1', 'applied', null],
      ['UADMIN1', 'refused', 'change_already_done'],
    ]);
  });
});

describe('listing bulk requests and storing their Slack messages', () => {
  it('lists recent jobs newest first and pending requests soonest deadline first', async () => {
    let clock = new Date('2030-01-01T09:00:00Z').getTime();
    const deps = bulkDeps(db, { now: () => new Date(clock) });
    await givenManyLearners(db, 40, { licenseTypes: ['core'] });
    const submit = async (reason: string, selection = {}) => {
      clock += 60_000;
      return (await submitBulkRequest(deps, admin, { selection, change: coreToPro, reason })).request;
    };
    const first = await submit('first');
    const second = await submit('second');
    const small = await submit('small', { emails: ['learner1@example.com'] });

    expect((await listBulkJobs(deps)).map((r) => r.reason)).toEqual(['small', 'second', 'first']);
    expect((await listBulkJobs(deps, 2)).map((r) => r.id)).toEqual([small.id, second.id]);
    expect((await listPendingBulkRequests(deps)).map((r) => r.id)).toEqual([first.id, second.id]);

    await setBulkApprovalMessage(deps, first.id, { channel: 'CAPPROVALS', ts: '1.1' });
    await setBulkProgressMessage(deps, first.id, { channel: 'C1', ts: '2.2' });
    expect(await deps.bulk.getBulkRequest(first.id)).toMatchObject({
      approvalMessage: { channel: 'CAPPROVALS', ts: '1.1' },
      progressMessage: { channel: 'C1', ts: '2.2' },
    });
  });
});

describe('team leads', () => {
  it('are added and removed by admins, and listed with those from config first', async () => {
    const deps = bulkDeps(db);
    await expect(addLead(deps, { userId: 'UOTHER', source: 'slack' }, 'UX')).rejects.toMatchObject({ code: 'not_admin' });
    expect(await addLead(deps, admin, 'UX', ['eng'])).toBe('added');
    expect(await addLead(deps, admin, 'UX', ['eng', 'ops'])).toBe('updated');
    expect(await addLead(deps, admin, 'ULEAD1')).toBe('from_config');
    expect(await listLeads(deps)).toEqual([
      { userId: 'ULEAD1', groups: [], fromConfig: true },
      { userId: 'UX', groups: ['eng', 'ops'], fromConfig: false },
    ]);
    expect(await removeLead(deps, admin, 'UX')).toBe(true);
    expect(await removeLead(deps, admin, 'UX')).toBe(false);
    expect(await listLeads(deps)).toEqual([{ userId: 'ULEAD1', groups: [], fromConfig: true }]);
  });
});
