import { modelsFor } from '../../src/db/models/index.js';
import { approveBulkRequest } from '../../src/licensing/bulk/decisions.js';
import type { BulkDeps, BulkSelectionInput } from '../../src/licensing/bulk/ports.js';
import { cancelBulkJob, submitBulkRequest } from '../../src/licensing/bulk/requests.js';
import { bulkChangedLearners, bulkFailures, bulkOpId, bulkSource, runBulkJob } from '../../src/licensing/bulk/runner.js';
import type { AdminChange } from '../../src/licensing/model.js';
import type { LicensingStore } from '../../src/licensing/ports.js';
import { requestUndo } from '../../src/licensing/undo/undo.js';
import { bulkDeps, givenManyLearners } from '../support/bulk-fixtures.js';
import { openTestDatabase } from '../support/database.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;

beforeEach(async () => {
  db = await openTestDatabase();
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 10_000 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
});
afterEach(async () => {
  await db.drop();
});

const admin = { userId: 'UADMIN1', source: 'slack' as const, channelId: 'C1' };
const coreToPro: AdminChange = { kind: 'reassign', from: 'core', to: 'pro' };

/** Submits as the admin with a threshold high enough that the request is approved at once. */
async function approvedRequest(deps: BulkDeps, selection: BulkSelectionInput, change: AdminChange = coreToPro): Promise<string> {
  const { request } = await submitBulkRequest({ ...deps, bulkApprovalThreshold: 1_000_000 }, admin, {
    selection,
    change,
    reason: 'new contract',
  });
  expect(request.status).toBe('approved');
  return request.id;
}

async function holders(type: string): Promise<number> {
  return modelsFor(db.connection).Learner.countDocuments({ licenseTypes: type });
}

describe('the bulk job runner', () => {
  it('changes 3,000 learners in batches, with one history entry per changed learner and exact seats', async () => {
    const deps = bulkDeps(db);
    await givenManyLearners(db, 2_900, { prefix: 'eng', groups: ['eng'], licenseTypes: ['core'] });
    const alreadyPro = await givenManyLearners(db, 60, { prefix: 'pro', groups: ['eng'], licenseTypes: ['pro'] });
    await givenManyLearners(db, 40, { prefix: 'gone', groups: ['eng'], licenseTypes: ['core'], status: 'deactivated' });
    const outside = await givenManyLearners(db, 100, { prefix: 'sales', groups: ['sales'], licenseTypes: ['core'] });
    const requestId = await approvedRequest(deps, { groups: ['eng'] });

    const progress: number[] = [];
    const finished: string[] = [];
    const summary = await runBulkJob(deps, requestId, {
      onProgress: (counts) => void progress.push(counts.done + counts.skipped + counts.failed),
      onFinished: (s) => void finished.push(s.status),
    });

    expect(summary).toMatchObject({ status: 'completed', done: 2_900, skipped: 60, failed: 40, total: 3_000 });
    expect(progress).toEqual([1_000, 2_000, 3_000]);
    expect(finished).toEqual(['completed']);
    const { Learner, Assignment, Audit } = modelsFor(db.connection);
    expect(await holders('pro')).toBe(2_960);
    expect(await Learner.countDocuments({ groups: 'eng', licenseTypes: 'core', status: 'active' })).toBe(0);
    expect(await Learner.countDocuments({ _id: { $in: outside }, licenseTypes: ['core'], version: 0 })).toBe(100);
    expect(await Learner.countDocuments({ _id: { $in: alreadyPro }, version: 0 })).toBe(60);
    expect(await Assignment.countDocuments({ source: bulkSource(requestId) })).toBe(2_900);
    expect((await Assignment.distinct('learnerId', { source: bulkSource(requestId) })).length).toBe(2_900);
    const row = await Assignment.findOne({ source: bulkSource(requestId) }).lean();
    expect(row).toMatchObject({ licenseType: 'pro', actor: 'UADMIN1', reason: 'new contract', revokedAt: null });
    expect(await Audit.countDocuments({ source: bulkSource(requestId), outcome: 'applied' })).toBe(2_900);
    await expectSeatInvariant(db);

    const request = await deps.bulk.getBulkRequest(requestId);
    expect(request).toMatchObject({ status: 'completed', progress: { lastBatch: 3, done: 2_900, skipped: 60, failed: 40 } });
    expect(request?.finishedAt).toBeInstanceOf(Date);

    const failures = [];
    for await (const failure of bulkFailures(deps, requestId)) failures.push(failure);
    expect(failures).toHaveLength(40);
    expect(new Set(failures.map((f) => f.code))).toEqual(new Set(['learner_deactivated']));
    expect(failures.every((f) => f.email.startsWith('gone'))).toBe(true);
  });

  it('reads again the learners that changed after its cursor read them and changes them as they are now, once', async () => {
    await givenLicenseTypes(db, [{ key: 'coaching', name: 'Coaching', capacity: null }]);
    const ids = await givenManyLearners(db, 300, { prefix: 'eng', groups: ['eng'], licenseTypes: ['core'] });
    const sorted = [...ids].sort();
    const [stays, leaves] = [sorted[150]!, sorted[151]!];
    const { Learner, Assignment, LicenseType } = modelsFor(db.connection);
    const real = bulkDeps(db);
    // The real cursor, whose second batch changes in the database after it was read: one learner
    // gets Coaching added (still selected), another moves to Coaching (no longer holds Core).
    const deps: BulkDeps = {
      ...real,
      bulkBatchSize: 100,
      bulk: {
        ...real.bulk,
        async *matchingLearnerBatches(selection, afterId, batchSize) {
          for await (const batch of real.bulk.matchingLearnerBatches(selection, afterId, batchSize)) {
            if (batch.some((learner) => learner.id === stays)) {
              await Learner.updateOne({ _id: stays }, { $set: { licenseTypes: ['core', 'coaching'] }, $inc: { version: 1 } });
              await Learner.updateOne({ _id: leaves }, { $set: { licenseTypes: ['coaching'] }, $inc: { version: 1 } });
              // With the seats they took and gave back, as the change that did it would have counted them.
              await LicenseType.updateOne({ key: 'coaching' }, { $inc: { seatsInUse: 2 } });
              await LicenseType.updateOne({ key: 'core' }, { $inc: { seatsInUse: -1 } });
            }
            yield batch;
          }
        },
      },
    };
    const requestId = await approvedRequest(deps, { groups: ['eng'], licenseTypes: ['core'] });
    const summary = await runBulkJob(deps, requestId);

    // Counted once: the one that left the selection is left out, as if the cursor had not seen it.
    expect(summary).toMatchObject({ status: 'completed', done: 299, skipped: 0, failed: 0 });
    expect((await Learner.findById(stays).lean())?.licenseTypes).toEqual(['coaching', 'pro']);
    expect((await Learner.findById(leaves).lean())?.licenseTypes).toEqual(['coaching']);
    expect(await holders('pro')).toBe(299);
    expect(await Assignment.countDocuments({ source: bulkSource(requestId), licenseType: 'pro' })).toBe(299);
    expect(await Assignment.countDocuments({ learnerId: stays, opId: `${bulkOpId(requestId, 2)}:again` })).toBe(1);
    const failures = [];
    for await (const failure of bulkFailures(deps, requestId)) failures.push(failure);
    expect(failures).toEqual([]);
    const changed: string[] = [];
    for await (const emails of bulkChangedLearners(deps, requestId)) changed.push(...emails);
    expect(changed).toHaveLength(299);
    expect(new Set(changed).size).toBe(299);
    await expectSeatInvariant(db);

    // Its undo restores the learners of both of the batch's operations.
    const undoing = { ...deps, undoWindowDays: 14 };
    const undo = await requestUndo(undoing, admin, requestId);
    if (undo.needsApproval) await approveBulkRequest(undoing, { userId: 'ULEAD1', source: 'slack' }, undo.request.id);
    expect(await runBulkJob(undoing, undo.request.id)).toMatchObject({ status: 'completed', done: 299 });
    expect((await Learner.findById(stays).lean())?.licenseTypes).toEqual(['core', 'coaching']);
    expect(await holders('pro')).toBe(0);
    await expectSeatInvariant(db);
  });

  it('stops at a batch boundary when cancelled: the batches under way complete, the remaining learners are untouched', async () => {
    const deps = bulkDeps(db, { bulkBatchSize: 500 });
    await givenManyLearners(db, 4_000, { licenseTypes: ['core'] });
    const requestId = await approvedRequest(deps, { licenseTypes: ['core'] });

    // Batch 1's progress is reported while batch 2 is applied (batch n settles while n+1 applies)
    // and batch 3 may already be planned: the cancel it brings stops the job after batch 2 or 3.
    const summary = await runBulkJob(deps, requestId, {
      onProgress: async (counts) => {
        if (counts.done === 500) expect((await cancelBulkJob(deps, admin, requestId)).kind).toBe('cancel_requested');
      },
    });

    expect(summary).toMatchObject({ status: 'cancelled', total: 4_000 });
    expect([1_000, 1_500]).toContain(summary.done);
    expect(await holders('pro')).toBe(summary.done);
    expect(await holders('core')).toBe(4_000 - summary.done);
    expect(await modelsFor(db.connection).Operation.countDocuments({ _id: { $regex: `^bulk:${requestId}:` } })).toBe(summary.done / 500);
    await expectSeatInvariant(db);
  });

  it('resumes after a crash in the middle of a batch and changes every learner once', async () => {
    const deps = bulkDeps(db, { bulkBatchSize: 400 });
    const ids = await givenManyLearners(db, 1_000, { licenseTypes: ['core'] });
    const requestId = await approvedRequest(deps, {});

    // The process dies during batch 2's learner writes: half of them are written, the op stays 'reserved'.
    let writes = 0;
    const dying: LicensingStore = {
      ...deps.store,
      async applyLearnerChanges(opId, items) {
        writes += 1;
        if (writes < 2) return deps.store.applyLearnerChanges(opId, items);
        await deps.store.applyLearnerChanges(opId, items.slice(0, items.length / 2));
        throw new Error('process killed');
      },
    };
    await expect(runBulkJob({ ...deps, store: dying }, requestId)).rejects.toThrow('process killed');
    const { Learner, Assignment, Operation } = modelsFor(db.connection);
    expect((await Operation.findById(bulkOpId(requestId, 2)).lean())?.state).toBe('reserved');
    expect(await holders('pro')).toBe(600);

    const summary = await runBulkJob(deps, requestId);

    expect(summary).toMatchObject({ status: 'completed', done: 1_000, skipped: 0, failed: 0 });
    expect(await Learner.countDocuments({ _id: { $in: ids }, licenseTypes: ['pro'], version: 1 })).toBe(1_000);
    expect(await Assignment.countDocuments({ source: bulkSource(requestId) })).toBe(1_000);
    expect((await Assignment.distinct('learnerId', { source: bulkSource(requestId) })).length).toBe(1_000);
    await expectSeatInvariant(db);
  });

  it('never counts a batch twice when a crash comes between the batch and its checkpoint', async () => {
    const deps = bulkDeps(db, { bulkBatchSize: 300 });
    await givenManyLearners(db, 900, { licenseTypes: ['core'] });
    const requestId = await approvedRequest(deps, {});

    let checkpoints = 0;
    const dying: BulkDeps = {
      ...deps,
      bulk: {
        ...deps.bulk,
        async recordBulkBatch(...args) {
          checkpoints += 1;
          if (checkpoints === 2) throw new Error('process killed');
          return deps.bulk.recordBulkBatch(...args);
        },
      },
    };
    await expect(runBulkJob(dying, requestId)).rejects.toThrow('process killed');
    expect((await deps.bulk.getBulkRequest(requestId))?.progress).toMatchObject({ lastBatch: 1, done: 300 });

    const summary = await runBulkJob(deps, requestId);

    expect(summary).toMatchObject({ status: 'completed', done: 900, skipped: 0, failed: 0, total: 900 });
    expect(await holders('pro')).toBe(900);
    expect(await modelsFor(db.connection).Assignment.countDocuments({ source: bulkSource(requestId) })).toBe(900);
    await expectSeatInvariant(db);
  });

  it('lets two processes run the same job at once and still changes and counts each learner once', async () => {
    const deps = bulkDeps(db, { bulkBatchSize: 250 });
    const ids = await givenManyLearners(db, 1_500, { licenseTypes: ['core'] });
    const requestId = await approvedRequest(deps, {});

    const [a, b] = await Promise.all([
      runBulkJob({ ...deps, processId: 'process-a' }, requestId, {}, { leasePollMs: 20 }),
      runBulkJob({ ...deps, processId: 'process-b' }, requestId, {}, { leasePollMs: 20 }),
    ]);

    for (const summary of [a, b]) expect(summary).toMatchObject({ status: 'completed', done: 1_500, skipped: 0, failed: 0 });
    const { Learner, Assignment } = modelsFor(db.connection);
    expect(await Learner.countDocuments({ _id: { $in: ids }, licenseTypes: ['pro'], version: 1 })).toBe(1_500);
    expect(await Assignment.countDocuments({ source: bulkSource(requestId) })).toBe(1_500);
    await expectSeatInvariant(db);
  });

  it('fails the overflow of a batch with no_seats_left when seats ran out after approval', async () => {
    const deps = bulkDeps(db, { bulkBatchSize: 200 });
    await givenManyLearners(db, 500, { licenseTypes: ['core'] });
    const requestId = await approvedRequest(deps, {});
    await deps.store.upsertLicenseType({ key: 'pro', name: 'Learning Pro', capacity: 320 });

    const summary = await runBulkJob(deps, requestId);

    expect(summary).toMatchObject({ status: 'completed', done: 320, failed: 180, skipped: 0 });
    expect(await holders('pro')).toBe(320);
    const failures = [];
    for await (const failure of bulkFailures(deps, requestId)) failures.push(failure.code);
    expect(failures).toHaveLength(180);
    expect(new Set(failures)).toEqual(new Set(['no_seats_left']));
    await expectSeatInvariant(db);
  });

  it('counts learners already as asked as skipped and touches nothing of theirs', async () => {
    const deps = bulkDeps(db);
    const [keep, change] = await givenLearners(db, [
      { email: 'a@example.com', name: 'A', licenseTypes: [] },
      { email: 'b@example.com', name: 'B', licenseTypes: ['core', 'pro'] },
    ]);
    const requestId = await approvedRequest(deps, {}, { kind: 'revoke' });

    const summary = await runBulkJob(deps, requestId);

    expect(summary).toMatchObject({ status: 'completed', done: 1, skipped: 1, failed: 0 });
    const { Learner } = modelsFor(db.connection);
    expect(await Learner.findById(keep).lean()).toMatchObject({ licenseTypes: [], version: 0 });
    expect(await Learner.findById(change).lean()).toMatchObject({ licenseTypes: [], version: 1 });
    const failures = [];
    for await (const failure of bulkFailures(deps, requestId)) failures.push(failure);
    expect(failures).toEqual([]);
    await expectSeatInvariant(db);
  });

  it('stops with status failed when the target license type was deleted', async () => {
    const deps = bulkDeps(db);
    await givenManyLearners(db, 10, { licenseTypes: ['core'] });
    const requestId = await approvedRequest(deps, {});
    await modelsFor(db.connection).LicenseType.deleteOne({ key: 'pro' });

    const summary = await runBulkJob(deps, requestId);

    expect(summary).toMatchObject({ status: 'failed', failureCode: 'unknown_license_type', done: 0 });
    expect(await holders('core')).toBe(10);
  });

  it('does nothing more when run again after completion, except reporting the summary', async () => {
    const deps = bulkDeps(db);
    await givenManyLearners(db, 30, { licenseTypes: ['core'] });
    const requestId = await approvedRequest(deps, {});
    await runBulkJob(deps, requestId);

    const again = await runBulkJob(deps, requestId);

    expect(again).toMatchObject({ status: 'completed', done: 30 });
    expect(await modelsFor(db.connection).Learner.countDocuments({ version: 1 })).toBe(30);
  });
});
