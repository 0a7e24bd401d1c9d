import type { Agenda } from 'agenda';
import { modelsFor } from '../../src/db/models/index.js';
import { BULK_REASSIGN_JOB, JOBS_COLLECTION, stopAgenda } from '../../src/jobs/agenda.js';
import { scheduleBulkJob, sweepBulkRequests } from '../../src/jobs/index.js';
import { approveBulkRequest } from '../../src/licensing/bulk/decisions.js';
import type { BulkDeps } from '../../src/licensing/bulk/ports.js';
import { submitBulkRequest } from '../../src/licensing/bulk/requests.js';
import { bulkSource, runBulkJob } from '../../src/licensing/bulk/runner.js';
import type { AdminChange } from '../../src/licensing/model.js';
import { nativeDb, startTestAgenda, waitFor } from '../support/bulk-agenda.js';
import { bulkDeps, givenManyLearners, quietLogger, type RecordingNotifier, recordingNotifier } from '../support/bulk-fixtures.js';
import { openTestDatabase } from '../support/database.js';
import { expectSeatInvariant, givenLicenseTypes } from '../support/fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
let deps: BulkDeps;
let notifier: RecordingNotifier;
let logger: ReturnType<typeof quietLogger>;
const agendas: Agenda[] = [];

beforeEach(async () => {
  db = await openTestDatabase();
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 5_000 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
  deps = bulkDeps(db, { bulkBatchSize: 200, configApprovers: ['ULEAD1', 'ULEAD2'] });
  notifier = recordingNotifier();
  logger = quietLogger();
});
afterEach(async () => {
  for (const agenda of agendas.splice(0)) await stopAgenda(agenda, 5_000);
  await db.drop();
});

const admin = { userId: 'UADMIN1', source: 'slack' as const, channelId: 'C1' };
const coreToPro: AdminChange = { kind: 'reassign', from: 'core', to: 'pro' };

async function agendaFor(
  services: Partial<Parameters<typeof startTestAgenda>[1]> = {},
  options: Parameters<typeof startTestAgenda>[2] = {},
): Promise<Agenda> {
  const agenda = await startTestAgenda(db, { deps, notifier, logger, runOptions: { leasePollMs: 50 }, ...services }, options);
  agendas.push(agenda);
  return agenda;
}

function jobsOf(requestId: string) {
  return nativeDb(db).collection(JOBS_COLLECTION).find({ name: BULK_REASSIGN_JOB, 'data.requestId': requestId }).toArray();
}

async function statusOf(requestId: string, status: string) {
  const request = await deps.bulk.getBulkRequest(requestId);
  return request?.status === status ? request : null;
}

describe('the licenses.bulkReassign job', () => {
  it('schedules one job when Approve is clicked twice, and posts progress and one completion notice', async () => {
    const agenda = await agendaFor();
    await givenManyLearners(db, 600, { licenseTypes: ['core'] });
    await givenManyLearners(db, 5, { prefix: 'gone', licenseTypes: ['core'], status: 'deactivated' });
    const { request } = await submitBulkRequest(deps, admin, { selection: {}, change: coreToPro, reason: 'renewal' });
    expect(request.status).toBe('pending_approval');

    // What the Slack layer does on each click: approve, then schedule if it won.
    const click = async (userId: string) => {
      const outcome = await approveBulkRequest(deps, { userId, source: 'slack' }, request.id);
      if (outcome.kind === 'approved') await scheduleBulkJob(agenda, request.id);
      return outcome.kind;
    };
    expect((await Promise.all([click('ULEAD1'), click('ULEAD2')])).sort()).toEqual(['already_decided', 'approved']);
    await Promise.all([scheduleBulkJob(agenda, request.id), scheduleBulkJob(agenda, request.id)]);

    const done = await waitFor(() => statusOf(request.id, 'completed'), 20_000, 'the job to complete');
    expect(done.progress).toMatchObject({ done: 600, skipped: 0, failed: 5 });
    expect(await jobsOf(request.id)).toHaveLength(1);
    await waitFor(async () => (await deps.bulk.getBulkRequest(request.id))?.completionNoticePostedAt, 5_000, 'the notice');

    expect(notifier.finishedCalls).toHaveLength(1);
    const [finish] = notifier.finishedCalls;
    expect(finish?.summary).toMatchObject({ requestId: request.id, status: 'completed', done: 600, failed: 5, total: 605 });
    expect(finish?.failures.map((f) => f.code)).toEqual(Array(5).fill('learner_deactivated'));
    expect((await deps.bulk.getBulkRequest(request.id))?.completionNoticeTs).toBe('1700000000.000001');
    expect(notifier.progressCalls.map((c) => c.counts.done)).toEqual([200, 400, 600, 600]);
    expect(await modelsFor(db.connection).Assignment.countDocuments({ source: bulkSource(request.id) })).toBe(600);
    await expectSeatInvariant(db);
  });

  it('keeps changing licenses when Slack cannot be reached for progress', async () => {
    const failing = { ...notifier, progress: async () => Promise.reject(new Error('slack down')) };
    const agenda = await agendaFor({ notifier: failing });
    await givenManyLearners(db, 450, { licenseTypes: ['core'] });
    const { request } = await submitBulkRequest({ ...deps, bulkApprovalThreshold: 1_000 }, admin, {
      selection: {},
      change: coreToPro,
      reason: 'renewal',
    });
    await scheduleBulkJob(agenda, request.id);

    await waitFor(() => statusOf(request.id, 'completed'), 20_000, 'the job to complete');
    expect(logger.lines.filter((l) => l.msg === 'could not report bulk progress')).toHaveLength(3);
    expect(await modelsFor(db.connection).Learner.countDocuments({ licenseTypes: 'pro' })).toBe(450);
  });

  it('fails a job with malformed data without retrying it', async () => {
    const agenda = await agendaFor();
    await agenda.now(BULK_REASSIGN_JOB, { requestId: 'not-an-id' });
    const job = await waitFor(
      async () =>
        nativeDb(db)
          .collection(JOBS_COLLECTION)
          .findOne({ name: BULK_REASSIGN_JOB, failedAt: { $ne: null } }),
      5_000,
      'the failure',
    );
    expect(job).toMatchObject({ failCount: 1, nextRunAt: null });
    expect(logger.lines.some((l) => l.msg === 'job failed')).toBe(true);
  });

  it('stops at a batch boundary on shutdown, and another process finishes the job', async () => {
    const first = await agendaFor({}, { name: 'first' });
    await givenManyLearners(db, 3_000, { licenseTypes: ['core'] });
    const { request } = await submitBulkRequest({ ...deps, bulkApprovalThreshold: 10_000 }, admin, {
      selection: {},
      change: coreToPro,
      reason: 'renewal',
    });
    await scheduleBulkJob(first, request.id);
    await waitFor(async () => notifier.progressCalls.length >= 2, 10_000, 'two batches');

    await stopAgenda(first, 10_000);
    agendas.splice(agendas.indexOf(first), 1);
    const stopped = await deps.bulk.getBulkRequest(request.id);
    expect(stopped?.status).toBe('running');
    expect(stopped?.progress.lastBatch).toBeLessThan(15);
    expect(await modelsFor(db.connection).Operation.countDocuments({ state: { $ne: 'settled' } })).toBe(0);

    await agendaFor({ deps: { ...deps, processId: 'second-process' } }, { name: 'second' });
    const done = await waitFor(() => statusOf(request.id, 'completed'), 30_000, 'the job to complete');
    expect(done.progress).toMatchObject({ lastBatch: 15, done: 3_000, skipped: 0, failed: 0 });
    expect(await modelsFor(db.connection).Learner.countDocuments({ licenseTypes: ['pro'], version: 1 })).toBe(3_000);
    await waitFor(async () => notifier.finishedCalls.length === 1, 5_000, 'the notice');
    await expectSeatInvariant(db);
  });
});

describe('the licenses.expireRequests sweep', () => {
  it('runs on its schedule and tells the channel about each expired request once', async () => {
    await givenManyLearners(db, 30, { licenseTypes: ['core'] });
    const { request } = await submitBulkRequest({ ...deps, approvalTtlHours: 0.5 / 3_600 }, admin, {
      selection: {},
      change: coreToPro,
      reason: 'renewal',
    });
    await agendaFor({}, { expireEvery: '1 second' });

    await waitFor(async () => notifier.expiredCalls.length > 0, 10_000, 'the expiry notice');
    expect(notifier.expiredCalls.map((r) => [r.id, r.status])).toEqual([[request.id, 'expired']]);
    expect(await sweepBulkRequests(agendas[0]!, { deps, notifier, logger })).toEqual({ expired: 0, noticesPosted: 0, revived: 0 });
    expect(notifier.expiredCalls).toHaveLength(1);
  });

  it('starts an approved request whose job was never scheduled (the approver’s process died)', async () => {
    const agenda = await agendaFor();
    await givenManyLearners(db, 20, { licenseTypes: ['core'] });
    const { request } = await submitBulkRequest(deps, admin, { selection: {}, change: coreToPro, reason: 'renewal' });
    expect(request.status).toBe('approved');

    expect(await sweepBulkRequests(agenda, { deps, notifier, logger }, new Date(Date.now() + 60_000))).toMatchObject({ revived: 0 });
    expect(await sweepBulkRequests(agenda, { deps, notifier, logger }, new Date(Date.now() + 11 * 60_000))).toMatchObject({ revived: 1 });

    await waitFor(() => statusOf(request.id, 'completed'), 10_000, 'the job to complete');
    expect(await jobsOf(request.id)).toHaveLength(1);
    expect(await modelsFor(db.connection).Learner.countDocuments({ licenseTypes: 'pro' })).toBe(20);
  });

  it('posts a completion notice that the finishing process never posted, once', async () => {
    const agenda = await agendaFor();
    await givenManyLearners(db, 20, { licenseTypes: ['core'] });
    const { request } = await submitBulkRequest(deps, admin, { selection: {}, change: coreToPro, reason: 'renewal' });
    await runBulkJob(deps, request.id);

    expect(await sweepBulkRequests(agenda, { deps, notifier, logger })).toMatchObject({ noticesPosted: 0 });
    const later = new Date(Date.now() + 2 * 60_000);
    expect(await sweepBulkRequests(agenda, { deps, notifier, logger }, later)).toMatchObject({ noticesPosted: 1 });
    expect(await sweepBulkRequests(agenda, { deps, notifier, logger }, later)).toMatchObject({ noticesPosted: 0 });
    expect(notifier.finishedCalls.map((c) => c.summary)).toEqual([
      expect.objectContaining({ requestId: request.id, status: 'completed', done: 20 }),
    ]);
  });
});
