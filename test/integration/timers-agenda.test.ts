import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agenda } from 'agenda';
import { modelsFor } from '../../src/db/models/index.js';
import { JOBS_COLLECTION, stopAgenda } from '../../src/jobs/agenda.js';
import { createTimerScheduler, GRANT_END_JOB, scheduleBulkJob } from '../../src/jobs/index.js';
import type { AppServices } from '../../src/licensing/app-services.js';
import { approveBulkRequest } from '../../src/licensing/bulk/decisions.js';
import { submitBulkRequest } from '../../src/licensing/bulk/requests.js';
import { extendGrants } from '../../src/licensing/schedule/extend.js';
import { nativeDb, waitFor } from '../support/bulk-agenda.js';
import { quietLogger } from '../support/bulk-fixtures.js';
import { openTestDatabase } from '../support/database.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { appServices, grantUntil, recordingApprovalNotifier, testClock } from '../support/schedule-fixtures.js';
import { startTimerAgenda } from '../support/timer-agenda.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
let deps: AppServices;
let worker: ChildProcess | undefined;
const agendas: Agenda[] = [];
const PROCESS_EVERY = 100;

/** Services on the real clock, as a running bot has them. */
function realTimeServices(processId: string): AppServices {
  const clock = testClock();
  return appServices(db, { ...clock, now: () => new Date() }, { processId, configApprovers: ['ULEAD1'] });
}

async function botProcess(name: string, services: AppServices = realTimeServices(name)): Promise<Agenda> {
  const agenda = await startTimerAgenda(db, {
    deps: services,
    logger: quietLogger(),
    approvalNotifier: recordingApprovalNotifier(),
    name,
    processEvery: PROCESS_EVERY,
  });
  services.timers ??= createTimerScheduler(agenda);
  agendas.push(agenda);
  return agenda;
}

beforeEach(async () => {
  db = await openTestDatabase();
  deps = realTimeServices('test');
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 1000 },
    { key: 'core', name: 'Learning Core', capacity: 1000 },
  ]);
});
afterEach(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  for (const agenda of agendas.splice(0)) await stopAgenda(agenda, 5_000);
  await db.drop();
});

async function endedAt(learnerId: string): Promise<Date | null> {
  const row = await modelsFor(db.connection).Assignment.findOne({ learnerId, source: 'expiry' }).lean();
  return row?.assignedAt ?? null;
}

describe('grant ends on Agenda', () => {
  it('reverts a grant at its end, within the polling interval, once although two processes run the jobs', async () => {
    const [first, second] = await Promise.all([botProcess('A'), botProcess('B')]);
    deps.timers = createTimerScheduler(first);
    void second;
    const [ada] = await givenLearners(db, [{ email: 'ada@example.com', name: 'Ada', licenseTypes: ['core'] }]);
    const until = new Date(Date.now() + 1_500);
    const grantId = await grantUntil(deps, ada!, { kind: 'reassign', from: 'core', to: 'pro' }, until);

    const at = await waitFor(() => endedAt(ada!), 10_000, 'the grant to end');
    expect(at.getTime()).toBeGreaterThanOrEqual(until.getTime());
    // Polling every 100 ms; a loaded machine gets a generous margin on top.
    expect(at.getTime() - until.getTime()).toBeLessThan(PROCESS_EVERY + 2_000);
    await sleep(500);
    const { Assignment, Learner } = modelsFor(db.connection);
    expect(await Assignment.countDocuments({ source: 'expiry' })).toBe(1);
    expect((await Learner.findById(ada).lean())?.licenseTypes).toEqual(['core']);
    expect(await deps.grants.getGrant(grantId)).toMatchObject({ status: 'ended' });
    // One job per thing scheduled: the grant's end and its one warning, however many processes.
    const jobs = await nativeDb(db)
      .collection(JOBS_COLLECTION)
      .find({ 'data.key': { $regex: grantId } })
      .toArray();
    expect(jobs.map((j) => j.data.key).sort()).toEqual([`grant:${grantId}`, `grant:${grantId}:1d`]);
    await expectSeatInvariant(db);
  });

  it('reverts once when the process that would have run it is killed (kill -9) just before the end', async () => {
    const ready = startWorker();
    await ready;
    const [bo] = await givenLearners(db, [{ email: 'bo@example.com', name: 'Bo', licenseTypes: ['core'] }]);
    // Scheduled here, run by the worker: the jobs live in the database, not in a process.
    const scheduler = await botProcess('scheduler-only');
    await stopAgenda(scheduler, 1_000);
    deps.timers = createTimerScheduler(scheduler);
    const until = new Date(Date.now() + 2_000);
    await grantUntil(deps, bo!, { kind: 'reassign', from: 'core', to: 'pro' }, until);

    await sleep(until.getTime() - Date.now() - 300);
    worker?.kill('SIGKILL');
    await new Promise((resolve) => worker?.once('exit', resolve));
    expect(await endedAt(bo!)).toBeNull();

    await botProcess('survivor');
    await waitFor(() => endedAt(bo!), 15_000, 'the survivor to end the grant');
    await sleep(300);
    expect(await modelsFor(db.connection).Assignment.countDocuments({ source: 'expiry' })).toBe(1);
    await expectSeatInvariant(db);
  }, 40_000);

  it('runs what is overdue once when processes start late, from their jobs or (a lost job) the sweep', async () => {
    const ids = await givenLearners(
      db,
      Array.from({ length: 30 }, (_, i) => ({ email: `l${i}@example.com`, name: `L ${i}`, licenseTypes: ['core'] })),
    );
    // The bot is down: the grants are made and their timers scheduled, and nothing runs them.
    const scheduler = await botProcess('down');
    await stopAgenda(scheduler, 1_000);
    deps.timers = createTimerScheduler(scheduler);
    const until = new Date(Date.now() + 5_000);
    await grantUntil(deps, ids[0]!, { kind: 'add', to: 'pro' }, until);
    // These lost their timers (a crash right after the change): only the sweep knows of them.
    const withoutTimers = { ...deps, timers: undefined };
    const late = new Date(until.getTime() + 60_000);
    for (const id of ids.slice(1)) await grantUntil(withoutTimers, id, { kind: 'add', to: 'pro' }, late);
    expect(await nativeDb(db).collection(JOBS_COLLECTION).countDocuments({ name: GRANT_END_JOB })).toBe(1);
    await sleep(Math.max(0, until.getTime() - Date.now()) + 300);

    // Its job, overdue, runs as soon as a process polls: once, whichever of the two takes it.
    await Promise.all([botProcess('late-1', realTimeServices('late-1')), botProcess('late-2', realTimeServices('late-2'))]);
    await waitFor(
      async () => (await modelsFor(db.connection).Grant.countDocuments({ status: 'ended' })) === 1,
      10_000,
      'the first grant to end',
    );
    // The clock jumps a minute: the others have no job, the sweep (every minute, and at start) ends them.
    await modelsFor(db.connection).Grant.updateMany({ status: 'active' }, { $set: { endsAt: new Date(Date.now() - 1) } });
    await nativeDb(db)
      .collection(JOBS_COLLECTION)
      .updateMany({ name: 'licenses.sweepTimers' }, { $set: { nextRunAt: new Date(Date.now() - 1) } });
    await waitFor(
      async () => (await modelsFor(db.connection).Grant.countDocuments({ status: 'ended' })) === 30,
      15_000,
      'every grant to end',
    );
    await sleep(300);
    // Taking back an added license closes its history row (revokedBy the expiry operation); the audit says expiry.
    const { Assignment, Audit, Learner } = modelsFor(db.connection);
    expect(await Audit.countDocuments({ source: 'expiry', outcome: 'applied' })).toBe(30);
    expect(await Assignment.countDocuments({ licenseType: 'pro', revokedBy: { $regex: '^expiry:' } })).toBe(30);
    expect(await Learner.countDocuments({ licenseTypes: ['core'] })).toBe(30);
    await expectSeatInvariant(db);
  });

  it('moves the end job when the grant is extended, so the old end passes without a job', async () => {
    const agenda = await botProcess('A');
    deps.timers = createTimerScheduler(agenda);
    const [cy] = await givenLearners(db, [{ email: 'cy@example.com', name: 'Cy', licenseTypes: ['core'] }]);
    const grantId = await grantUntil(deps, cy!, { kind: 'add', to: 'pro' }, new Date(Date.now() + 1_500));
    const later = new Date(Date.now() + 60 * 60_000);
    await extendGrants(deps, { userId: 'UADMIN1', source: 'slack' }, { target: { grantId }, endsAt: later });
    const warning = (await deps.grants.getGrant(grantId))?.warnings[0];
    const jobs = await nativeDb(db)
      .collection(JOBS_COLLECTION)
      .find({ 'data.key': { $regex: grantId } })
      .toArray();
    // A one-hour remainder warns once, at half the time: the old jobs were moved, none added.
    expect(jobs.map((j) => [j.name, j.data.key, (j.nextRunAt as Date).toISOString()]).sort()).toEqual(
      [
        [GRANT_END_JOB, `grant:${grantId}`, later.toISOString()],
        ['licenses.warnGrants', `grant:${grantId}:1d`, warning?.at.toISOString()],
      ].sort(),
    );
    await sleep(2_000);
    expect(await endedAt(cy!)).toBeNull();
  });
});

describe('scheduled bulk changes on Agenda', () => {
  it('runs at its time, not before', async () => {
    const agenda = await botProcess('A');
    deps.timers = createTimerScheduler(agenda);
    await givenLearners(
      db,
      Array.from({ length: 40 }, (_, i) => ({ email: `s${i}@example.com`, name: `S ${i}`, groups: ['Sales'], licenseTypes: ['core'] })),
    );
    const applyAt = new Date(Date.now() + 1_500);
    const { request } = await submitBulkRequest(
      deps,
      { userId: 'UADMIN1', source: 'slack', channelId: 'C1' },
      {
        selection: { groups: ['Sales'] },
        change: { kind: 'reassign', from: 'core', to: 'pro' },
        reason: 'new quarter',
        timing: { applyAt },
      },
    );
    expect((await approveBulkRequest(deps, { userId: 'ULEAD1', source: 'slack' }, request.id)).kind).toBe('approved');
    await scheduleBulkJob(agenda, request.id, applyAt);
    await sleep(700);
    expect((await deps.bulk.getBulkRequest(request.id))?.status).toBe('approved');
    const done = await waitFor(
      async () => {
        const current = await deps.bulk.getBulkRequest(request.id);
        return current?.status === 'completed' ? current : null;
      },
      15_000,
      'the scheduled job to complete',
    );
    expect(done.startedAt?.getTime()).toBeGreaterThanOrEqual(applyAt.getTime());
    expect(done.progress.done).toBe(40);
  });
});

/** Starts the timer worker process on the test database; resolves when it is ready. */
function startWorker(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/support/timer-worker.ts')], {
    env: { ...process.env, WORKER_DB_NAME: db.connection.name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker = child;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if ((JSON.parse(line) as { event: string }).event === 'ready') resolve();
    });
    child.on('exit', (code, signal) => reject(new Error(`worker exited early (${code ?? signal}): ${stderr}`)));
  });
}
