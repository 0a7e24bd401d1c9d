import { createReadStream, readdirSync } from 'node:fs';
import path from 'node:path';
import { syncLicenseTypes } from '../../src/licensing/sync/worker.js';
import { type OrgSyncUserRow, parseOrgSyncUsers } from '../../src/outbound/orgsync/orgsync-csv.js';
import { waitFor } from '../support/bulk-agenda.js';
import { bootE2E, type E2E } from '../support/e2e.js';
import { givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { type SftpTestServer, sshdAvailable, startSftpServer } from '../support/sftp-server.js';
import { bulkInSlack, changeInSlack } from '../support/slack-flows.js';

let server: SftpTestServer;
let e2e: E2E;

beforeAll(async () => {
  // Without sshd this suite fails with the way to get one; it never passes silently.
  if (!sshdAvailable())
    throw new Error('OpenSSH sshd is not installed; run .ci/install-packages (apt-get install -y --no-install-recommends openssh-server).');
  server = await startSftpServer();
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(async () => {
  e2e = await bootE2E(
    {
      SYNC_TARGET: 'orgsync',
      ORGSYNC_SFTP_URL: server.url,
      ORGSYNC_SFTP_KEY_FILE: server.privateKeyFile,
      ORGSYNC_SFTP_HOST_FINGERPRINT: server.hostKeyFingerprint,
      ORGSYNC_MODE: 'delta',
      ORGSYNC_EVERY: '1 hour',
      BULK_APPROVAL_THRESHOLD: '10000',
      JOB_PROCESS_EVERY: '100 milliseconds',
    },
    { bulkBatchSize: 100, lockLifetimeMs: 5_000 },
  );
  await givenLicenseTypes(e2e.running.db, [
    { key: 'pro', name: 'Learning Pro', capacity: 1000 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
});

afterEach(async () => {
  await e2e.stop();
});

const files = () =>
  readdirSync(server.root)
    .filter((name) => name.endsWith('.csv'))
    .sort();

async function readFile(name: string): Promise<OrgSyncUserRow[]> {
  const types = syncLicenseTypes(await e2e.running.deps.store.listLicenseTypes());
  const rows: OrgSyncUserRow[] = [];
  for await (const row of parseOrgSyncUsers(createReadStream(path.join(server.root, name)), types)) rows.push(row);
  return rows;
}

describe('sync as Org Sync files over SFTP', () => {
  it('delivers a bulk job’s changes in one file that parses back to our learners, then only what changed since', async () => {
    await givenLearners(
      e2e.running.db,
      Array.from({ length: 300 }, (_, i) => ({
        email: `sales${i}@example.com`,
        name: i % 3 === 0 ? `Zoë O'Brien-${i}` : `名前 ${i}`,
        groups: ['Sales'],
        licenseTypes: ['core'],
      })),
    );
    await bulkInSlack(e2e, { groups: ['Sales'], types: ['core'], action: 'reassign', target: 'pro' });
    await waitFor(async () => (await e2e.running.deps.bulk.listBulkRequests(1))[0]?.status === 'completed', 20_000, 'the bulk job');

    for (const name of readdirSync(server.root)) expect(name.endsWith('.csv')).toBe(true);
    const before = files().length;
    await e2e.command('sync push');
    await waitFor(async () => files().length > before, 15_000, 'the Org Sync file');
    const [first] = files();
    const rows = await readFile(first ?? '');
    expect(rows).toHaveLength(300);
    // What the platform now holds equals what we hold: every learner, every license.
    const ours = new Map<string, string[]>();
    for (const learner of await e2e.models.Learner.find({}).lean()) ours.set(learner.email, learner.licenseTypes);
    for (const row of rows)
      expect({ email: row.email, licenses: [...row.licenses].sort() }).toEqual({ email: row.email, licenses: ours.get(row.email) });
    expect(rows.find((r) => r.email === 'sales0@example.com')).toMatchObject({ firstName: 'Zoë', lastName: "O'Brien-0", status: 'active' });
    expect(await waitFor(async () => ((await e2e.running.deps.syncStates.counts()).pending === 0 ? true : null))).toBe(true);
    // No half-written file is ever visible, and none is left behind.
    expect(readdirSync(server.root).filter((name) => name.endsWith('.partial'))).toEqual([]);

    // The bulk job's notice says when the platform caught up.
    const notice = await e2e.slack.waitFor('chat.update', (c) => String(c.body.text).includes('platform in sync'), 15_000);
    expect(String(notice.body.text)).toContain('300 changed');

    // Delta: the next file carries only the learner changed since.
    const [one] = await e2e.models.Learner.find({ email: 'sales1@example.com' }).lean();
    await changeInSlack(e2e, { mode: 'revoke', email: 'sales1@example.com', learnerId: String(one?._id) });
    await waitFor(
      async () => ((await e2e.running.deps.syncStates.counts()).pending === 1 ? true : null),
      10_000,
      'the revoke in the outbox',
    );
    await e2e.command('sync push');
    await waitFor(async () => files().length === 2, 15_000, 'the second file');
    const second = await readFile(files()[1] ?? '');
    expect(second.map((r) => ({ email: r.email, licenses: [...r.licenses] }))).toEqual([{ email: 'sales1@example.com', licenses: [] }]);
  });
});
