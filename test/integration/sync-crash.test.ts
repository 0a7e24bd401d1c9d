import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { modelsFor } from '../../src/db/models/index.js';
import { submitBulkRequest } from '../../src/licensing/bulk/requests.js';
import { runBulkJob } from '../../src/licensing/bulk/runner.js';
import { pushDueLearners } from '../../src/licensing/sync/worker.js';
import { createScimTarget } from '../../src/outbound/scim/scim-target.js';
import { waitFor } from '../support/bulk-agenda.js';
import { bulkDeps } from '../support/bulk-fixtures.js';
import { openTestDatabase } from '../support/database.js';
import { givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { type ScimServer, startScimServer } from '../support/scim-server.js';
import { syncDeps } from '../support/sync-fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
let scim: ScimServer;
let worker: ChildProcess | undefined;

beforeEach(async () => {
  db = await openTestDatabase();
  scim = await startScimServer();
});
afterEach(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await scim.stop();
  await db.drop();
});

/** Starts the sync worker process and resolves as it starts its `batches`-th batch. */
function runWorkerUntil(batches: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/support/sync-worker.ts')], {
    env: { ...process.env, WORKER_DB_NAME: db.connection.name, SCIM_BASE_URL: scim.baseUrl, SCIM_TOKEN: scim.token, WORKER_BATCH: '100' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker = child;
  let stderr = '';
  let started = 0;
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as { event: string };
      if (event.event === 'batch') started += 1;
      if (started >= batches) resolve(child);
    });
    child.on('exit', (code, signal) => reject(new Error(`sync worker exited early (${code ?? signal}): ${stderr}`)));
  });
}

describe('a sync worker killed mid-batch', () => {
  it('leaves its leased learners to another worker, and the platform ends up holding exactly ours', async () => {
    await givenLicenseTypes(db, [
      { key: 'pro', name: 'Learning Pro', capacity: 5_000 },
      { key: 'core', name: 'Learning Core', capacity: null },
    ]);
    const people = Array.from({ length: 800 }, (_, i) => ({ email: `p${i}@example.com`, name: `P ${i}` }));
    scim.addUsers(people.map((p) => ({ userName: p.email, name: p.name, active: true, licenses: ['Learning Core'] })));
    await givenLearners(
      db,
      people.map((p) => ({ ...p, licenseTypes: ['core'] })),
    );
    // The bulk job settles its batches with sync on: every learner is in the outbox.
    const deps = bulkDeps(db, { syncChanges: true, bulkApprovalThreshold: 10_000 });
    const { request } = await submitBulkRequest(
      deps,
      { userId: 'UADMIN1', source: 'slack' },
      { selection: { licenseTypes: ['core'] }, change: { kind: 'reassign', from: 'core', to: 'pro' }, reason: 'move' },
    );
    await runBulkJob(deps, request.id);
    const sync = syncDeps(db);
    expect((await sync.syncStates.counts()).pending).toBe(800);

    // Slow answers, so the kill lands while a batch is in flight.
    scim.slow(150);
    const child = await runWorkerUntil(3);
    // Two batches pushed; the third is leased and its lookups are on their way.
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    scim.slow(0);
    const { SyncState } = modelsFor(db.connection);
    expect(await SyncState.countDocuments({ state: 'synced' })).toBeGreaterThanOrEqual(200);
    expect(await SyncState.countDocuments({ leaseToken: { $ne: null }, state: 'pending' })).toBe(100);

    // Another worker (this process) takes over once the dead one's leases (2 s) run out.
    const target = createScimTarget({ baseUrl: scim.baseUrl, token: scim.token, revokeAll: 'deactivate', createUsers: false });
    const notifier = { paused: async () => undefined, resumed: async () => undefined };
    await waitFor(
      async () => {
        await pushDueLearners(sync, target, notifier, { batchSize: 200, leaseMs: 2_000 });
        return (await sync.syncStates.counts()).pending === 0 ? true : null;
      },
      60_000,
      'the surviving worker to push the rest',
    );
    expect(await SyncState.countDocuments({ state: 'synced' })).toBe(800);
    for (const user of scim.users())
      expect({ userName: user.userName, licenses: user.licenses, active: user.active }).toEqual({
        userName: user.userName,
        licenses: ['Learning Pro'],
        active: true,
      });
  }, 120_000);
});
