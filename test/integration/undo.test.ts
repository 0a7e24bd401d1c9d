import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { modelsFor } from '../../src/db/models/index.js';
import { approveBulkRequest } from '../../src/licensing/bulk/decisions.js';
import { submitBulkRequest } from '../../src/licensing/bulk/requests.js';
import { bulkSource, runBulkJob } from '../../src/licensing/bulk/runner.js';
import { isLicenseError } from '../../src/licensing/errors.js';
import { applyLicenseSets } from '../../src/licensing/operations.js';
import { confirmChange, requestChange } from '../../src/licensing/single/change-requests.js';
import { requestUndo, undoSingleChange } from '../../src/licensing/undo/undo.js';
import { givenManyLearners } from '../support/bulk-fixtures.js';
import { openTestDatabase } from '../support/database.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { undoDeps } from '../support/undo-fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
let worker: ChildProcess | undefined;

const ADMIN = { userId: 'UADMIN1', source: 'slack' as const, channelId: 'C1' };
const LEAD = { userId: 'ULEAD1', source: 'slack' as const };

beforeEach(async () => {
  db = await openTestDatabase();
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 5_000 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
});
afterEach(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await db.drop();
});

/** Runs "everyone on Core → Pro" through approval and the runner; returns the job's id. */
async function runCoreToPro(deps: ReturnType<typeof undoDeps>): Promise<string> {
  const { request } = await submitBulkRequest(deps, ADMIN, {
    selection: { licenseTypes: ['core'] },
    change: { kind: 'reassign', from: 'core', to: 'pro' },
    reason: 'wrong filter',
  });
  await approveBulkRequest(deps, LEAD, request.id);
  const summary = await runBulkJob(deps, request.id);
  expect(summary.status).toBe('completed');
  return request.id;
}

function runWorkerUntil(requestId: string, done: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/support/bulk-worker.ts')], {
    env: { ...process.env, WORKER_DB_NAME: db.connection.name, WORKER_REQUEST_ID: requestId },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker = child;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as { event: string; done?: number };
      if (event.event === 'progress' && (event.done ?? 0) >= done) resolve();
    });
    child.on('exit', (code, signal) => reject(new Error(`worker exited early (${code ?? signal}): ${stderr}`)));
  });
}

describe('undo of a bulk job', () => {
  it('restores the 2,000 learners unchanged since, lists the ones changed since, survives kill -9 and two processes, and keeps both in history', async () => {
    const deps = undoDeps(db);
    const ids = await givenManyLearners(db, 2_000, { licenseTypes: ['core'] });
    const jobId = await runCoreToPro(deps);

    // Three learners change after the job: they must be left alone.
    const { Learner, Assignment, Audit, BulkRequest } = modelsFor(db.connection);
    const changedIds = [ids[5]!, ids[1_500]!, ids[1_999]!];
    const changed = await deps.store.findLearnersByIds(changedIds);
    await applyLicenseSets(
      deps.store,
      changed.map((l) => ({ learnerId: l.id, email: l.email, version: l.version, prev: l.licenseTypes, next: [] })),
      { nextOpId: () => 'later-change', actor: ADMIN, reason: 'left the company', sync: false, owner: 'test', now: deps.now },
    );

    const undo = await requestUndo(deps, ADMIN, jobId);
    expect(undo.needsApproval).toBe(true);
    expect(undo.changedSince).toBe(3);
    expect(undo.request.preview.toChange).toBe(1_997);
    await approveBulkRequest(deps, LEAD, undo.request.id);

    // A worker process starts the undo and is killed after its first batch…
    await runWorkerUntil(undo.request.id, 1);
    worker?.kill('SIGKILL');
    await new Promise((resolve) => worker?.once('exit', resolve));
    // …and two processes finish it at once (its op lease lapses after a minute: they wait on it if needed).
    const [a, b] = await Promise.all([
      runBulkJob({ ...deps, processId: 'p1' }, undo.request.id, {}, { leasePollMs: 200 }),
      runBulkJob({ ...deps, processId: 'p2' }, undo.request.id, {}, { leasePollMs: 200 }),
    ]);
    expect([a.status, b.status]).toEqual(['completed', 'completed']);
    expect(a).toMatchObject({ done: 1_997, failed: 3, skipped: 0 });

    expect(await Learner.countDocuments({ licenseTypes: ['core'] })).toBe(1_997);
    expect(await Learner.countDocuments({ _id: { $in: changedIds }, licenseTypes: { $size: 0 } })).toBe(3);
    expect(await Learner.countDocuments({ licenseTypes: 'pro' })).toBe(0);
    await expectSeatInvariant(db);

    // History keeps the change and its undo: pro (opened by the job, closed by the undo), core again.
    const rows = await Assignment.find({ learnerId: ids[0] }).sort({ assignedAt: 1, licenseType: 1 }).lean();
    expect(rows.map((r) => [r.licenseType, r.revokedAt !== null, r.source])).toEqual([
      ['pro', true, bulkSource(jobId)],
      ['core', false, bulkSource(undo.request.id)],
    ]);
    expect(await Assignment.countDocuments({ source: bulkSource(undo.request.id) })).toBe(1_997);
    expect(await Audit.countDocuments({ action: 'undo', outcome: 'applied' })).toBe(1_997);
    const refused = await Audit.find({ action: 'undo', outcome: 'failed' }).lean();
    expect(refused.map((e) => e.code)).toEqual(['changed_since', 'changed_since', 'changed_since']);

    const original = await BulkRequest.findById(jobId).lean();
    expect(original?.undoneBy).toBe(undo.request.id);
  }, 120_000);

  it('refuses to undo an undo, and a second undo of the same job', async () => {
    const deps = undoDeps(db);
    await givenManyLearners(db, 10, { licenseTypes: ['core'] });
    const jobId = await runCoreToPro(deps);
    const undo = await requestUndo(deps, ADMIN, jobId);
    expect(undo.needsApproval).toBe(false);
    await runBulkJob(deps, undo.request.id);

    await expect(requestUndo(deps, ADMIN, jobId)).rejects.toMatchObject({ code: 'already_undone' });
    await expect(requestUndo(deps, ADMIN, undo.request.id)).rejects.toMatchObject({ code: 'undo_of_undo' });
    const { Audit } = modelsFor(db.connection);
    expect(await Audit.countDocuments({ action: 'undo.request', outcome: 'refused' })).toBe(2);
  });

  it('lets two simultaneous clicks make one undo', async () => {
    const deps = undoDeps(db);
    await givenManyLearners(db, 10, { licenseTypes: ['core'] });
    const jobId = await runCoreToPro(deps);
    const outcomes = await Promise.allSettled([requestUndo(deps, ADMIN, jobId), requestUndo(deps, ADMIN, jobId)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(isLicenseError(rejected?.reason, 'already_undone')).toBe(true);
  });

  it('refuses an undo after UNDO_WINDOW_DAYS', async () => {
    let now = new Date('2026-03-01T10:00:00Z');
    const deps = undoDeps(db, { now: () => now });
    await givenManyLearners(db, 5, { licenseTypes: ['core'] });
    const jobId = await runCoreToPro(deps);
    now = new Date('2026-03-16T10:00:01Z');
    await expect(requestUndo(deps, ADMIN, jobId)).rejects.toMatchObject({ code: 'undo_window_passed' });
  });

  it('reports seats short for a restore per learner', async () => {
    const deps = undoDeps(db);
    await givenLicenseTypes(db, [{ key: 'coach', name: 'Coaching', capacity: 3 }]);
    await givenLearners(
      db,
      Array.from({ length: 3 }, (_, i) => ({ email: `c${i}@example.com`, name: `Coach ${i}`, licenseTypes: ['coach'] })),
    );
    const { request } = await submitBulkRequest(deps, ADMIN, {
      selection: { licenseTypes: ['coach'] },
      change: { kind: 'revoke' },
      reason: 'oops',
    });
    await runBulkJob(deps, request.id);
    // Someone else takes two of the freed seats meanwhile.
    await givenLearners(db, [
      { email: 'x@example.com', name: 'X', licenseTypes: ['coach'] },
      { email: 'y@example.com', name: 'Y', licenseTypes: ['coach'] },
    ]);
    const undo = await requestUndo(deps, ADMIN, request.id);
    const summary = await runBulkJob(deps, undo.request.id);
    expect(summary).toMatchObject({ done: 1, failed: 2 });
    await expectSeatInvariant(db);
  });
});

describe('undo of a single change', () => {
  it('puts the learner back once, and refuses when they changed since', async () => {
    const deps = undoDeps(db);
    const [ada, bob] = await givenLearners(db, [
      { email: 'ada@example.com', name: 'Ada Lovelace', licenseTypes: ['core'] },
      { email: 'bob@example.com', name: 'Bob Stone', licenseTypes: ['core'] },
    ]);
    const review = await requestChange(deps, ADMIN, {
      learnerId: ada!,
      change: { kind: 'reassign', from: 'core', to: 'pro' },
      reason: 'promotion',
    });
    expect((await confirmChange(deps, ADMIN, review.request.id)).kind).toBe('applied');

    // A double click: both see it undone, and it was undone once.
    await Promise.all([
      undoSingleChange(deps, ADMIN, review.request.id),
      undoSingleChange(deps, ADMIN, review.request.id).catch(() => ({ kind: 'lost' as const })),
    ]);
    expect((await deps.store.findLearnerById(ada!))?.licenseTypes).toEqual(['core']);
    const { Assignment } = modelsFor(db.connection);
    expect(await Assignment.countDocuments({ learnerId: ada!, opId: `undo:${review.request.id}` })).toBe(1);
    expect((await undoSingleChange(deps, ADMIN, review.request.id)).kind).toBe('already_undone');

    const other = await requestChange(deps, ADMIN, {
      learnerId: bob!,
      change: { kind: 'reassign', from: 'core', to: 'pro' },
      reason: 'promotion',
    });
    await confirmChange(deps, ADMIN, other.request.id);
    const again = await requestChange(deps, ADMIN, { learnerId: bob!, change: { kind: 'revoke' }, reason: 'left' });
    await confirmChange(deps, ADMIN, again.request.id);
    await expect(undoSingleChange(deps, ADMIN, other.request.id)).rejects.toMatchObject({ code: 'changed_since' });
    await expectSeatInvariant(db);
  });
});
