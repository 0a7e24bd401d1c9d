import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Agenda } from 'agenda';
import { modelsFor } from '../../src/db/models/index.js';
import { stopAgenda } from '../../src/jobs/agenda.js';
import { approveBulkRequest } from '../../src/licensing/bulk/decisions.js';
import { claimCompletionNotice } from '../../src/licensing/bulk/notices.js';
import { submitBulkRequest } from '../../src/licensing/bulk/requests.js';
import { bulkSource } from '../../src/licensing/bulk/runner.js';
import { startTestAgenda, waitFor } from '../support/bulk-agenda.js';
import { bulkDeps, givenManyLearners, quietLogger, recordingNotifier } from '../support/bulk-fixtures.js';
import { openTestDatabase } from '../support/database.js';
import { expectSeatInvariant, givenLicenseTypes } from '../support/fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
let worker: ChildProcess | undefined;
let agenda: Agenda | undefined;

beforeEach(async () => {
  db = await openTestDatabase();
});
afterEach(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  if (agenda) await stopAgenda(agenda, 5_000);
  await db.drop();
});

/** Starts the worker process on the test database and resolves once it has reported `batches` batches. */
function runWorkerUntil(requestId: string, done: number): Promise<{ child: ChildProcess; seen: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/support/bulk-worker.ts')], {
    env: { ...process.env, WORKER_DB_NAME: db.connection.name, WORKER_REQUEST_ID: requestId },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker = child;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const event = JSON.parse(line) as { event: string; done?: number };
      if (event.event === 'progress' && (event.done ?? 0) >= done) resolve({ child, seen: event.done ?? 0 });
    });
    child.on('exit', (code, signal) => reject(new Error(`worker exited early (${code ?? signal}): ${stderr}`)));
  });
}

describe('a bulk job whose process is killed', () => {
  it('is finished by another process: every learner changed once, one history row each, exact seats, one notice', async () => {
    const deps = bulkDeps(db);
    await givenLicenseTypes(db, [
      { key: 'pro', name: 'Learning Pro', capacity: 25_000 },
      { key: 'core', name: 'Learning Core', capacity: null },
    ]);
    await givenManyLearners(db, 20_000, { licenseTypes: ['core'] });
    const { request } = await submitBulkRequest(
      deps,
      { userId: 'UADMIN1', source: 'slack', channelId: 'C1' },
      { selection: { licenseTypes: ['core'] }, change: { kind: 'reassign', from: 'core', to: 'pro' }, reason: 'annual renewal' },
    );
    expect((await approveBulkRequest(deps, { userId: 'ULEAD1', source: 'slack' }, request.id)).kind).toBe('approved');

    const { child } = await runWorkerUntil(request.id, 3_000);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const { Learner, Assignment, Audit, Operation, LicenseType } = modelsFor(db.connection);
    const killed = await deps.bulk.getBulkRequest(request.id);
    expect(killed?.status).toBe('running');
    expect(killed?.progress.done).toBeGreaterThanOrEqual(3_000);
    expect(killed?.progress.done).toBeLessThan(20_000);
    // The dead process's operation lease is fixed at 60 s (licensing/operations.ts); let it run out
    // now, as those 60 seconds would, instead of waiting for them.
    await Operation.updateMany({ state: { $ne: 'settled' } }, { $set: { leaseUntil: new Date(Date.now() - 1) } });

    const notifier = recordingNotifier();
    agenda = await startTestAgenda(db, { deps: { ...deps, processId: 'survivor' }, notifier, logger: quietLogger() });
    const done = await waitFor(
      async () => {
        const current = await deps.bulk.getBulkRequest(request.id);
        return current?.status === 'completed' && current.completionNoticePostedAt ? current : null;
      },
      90_000,
      'the surviving process to finish the job',
    );

    expect(done.progress).toMatchObject({ lastBatch: 20, done: 20_000, skipped: 0, failed: 0 });
    expect(await Learner.countDocuments({ licenseTypes: ['pro'], version: 1 })).toBe(20_000);
    expect(await Learner.countDocuments({ version: { $ne: 1 } })).toBe(0);
    expect(await Assignment.countDocuments({ source: bulkSource(request.id) })).toBe(20_000);
    expect((await Assignment.distinct('learnerId', { source: bulkSource(request.id) })).length).toBe(20_000);
    expect(await Audit.countDocuments({ source: bulkSource(request.id), outcome: 'applied' })).toBe(20_000);
    expect(await LicenseType.findOne({ key: 'pro' }).lean()).toMatchObject({ seatsInUse: 20_000, pending: [] });
    await expectSeatInvariant(db);

    expect(notifier.finishedCalls).toHaveLength(1);
    expect(notifier.finishedCalls[0]?.summary).toMatchObject({ status: 'completed', done: 20_000, failed: 0 });
    expect(await claimCompletionNotice(deps, request.id, 0)).toBeNull();
  }, 120_000);
});
