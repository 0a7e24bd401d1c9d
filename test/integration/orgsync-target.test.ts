import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LearnerSnapshot, SyncLicenseType } from '../../src/licensing/sync/ports.js';
import {
  licenseStatusColumn,
  type OrgSyncUserRow,
  orgSyncCsvChunks,
  orgSyncHeader,
  orgSyncRow,
  parseOrgSyncUsers,
  splitName,
} from '../../src/outbound/orgsync/orgsync-csv.js';
import { createOrgSyncTarget, OrgSyncDeliveryError } from '../../src/outbound/orgsync/orgsync-target.js';
import { makeKeyPair, type SftpTestServer, sshdAvailable, startSftpServer } from '../support/sftp-server.js';

const TYPES: SyncLicenseType[] = [
  { key: 'pro', name: 'Learning Pro', platformName: 'Learning Pro' },
  { key: 'core', name: 'Learning Core', platformName: 'Learning Core (EMEA)' },
  { key: 'coach', name: 'Coaching', platformName: 'Coaching' },
];

// Names that break naive CSV and naive splitting: accents, apostrophes, commas, quotes, CJK.
const FIRST = ['Zoë', 'Ñuño', "D'Arcy", 'Anne-Marie', '"Bobby"', '太郎', 'Łukasz', 'Ólafur', 'Chloé', 'Mary Jane'];
const LAST = ["O'Brien", 'Smith, Jr.', 'Müller', '山田', '"The Rock"', 'Nguyễn', 'van der Berg', 'Øyelund', 'Ærø', 'Peña'];
const GROUPS = ['Sales', 'R&D', 'Équipe Française', '研究開発', 'Support "Tier 2"'];

function snapshot(i: number, overrides: Partial<LearnerSnapshot> = {}): LearnerSnapshot {
  const licenseTypes = TYPES.filter((_, t) => (i >> t) & 1).map((type) => type.key);
  return {
    learnerId: (0x65f0000000000000n + BigInt(i)).toString(16).padStart(24, '0'),
    email: `learner.${i}@example.com`,
    name: `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]}`,
    status: i % 7 === 0 ? 'deactivated' : 'active',
    groups: GROUPS.filter((_, g) => (i + g) % 3 === 0),
    licenseTypes,
    platformLicenses: licenseTypes.map((key) => TYPES.find((type) => type.key === key)?.platformName ?? key),
    version: 1,
    ...overrides,
  };
}

async function* snapshots(count: number, make: (i: number) => LearnerSnapshot = snapshot): AsyncGenerator<LearnerSnapshot> {
  for (let i = 0; i < count; i += 1) yield make(i);
}

async function readBack(file: string, types: readonly SyncLicenseType[] = TYPES, budgetGroup?: string): Promise<OrgSyncUserRow[]> {
  const rows: OrgSyncUserRow[] = [];
  for await (const row of parseOrgSyncUsers(createReadStream(file), types, budgetGroup ? { budgetGroup } : {})) rows.push(row);
  return rows;
}

function expectSameLearners(rows: OrgSyncUserRow[], count: number): void {
  expect(rows).toHaveLength(count);
  rows.forEach((row, i) => {
    const learner = snapshot(i);
    const [firstName, lastName] = splitName(learner.name);
    expect({ ...row, line: 0 }).toEqual({
      line: 0,
      userId: learner.learnerId,
      email: learner.email,
      firstName,
      lastName,
      groups: learner.groups,
      status: learner.status === 'active' ? 'active' : 'inactive',
      licenses: new Set(learner.licenseTypes),
    });
  });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected the delivery to fail, but it succeeded');
}

// A row source whose database goes away after `count` rows.
async function* failingAfter(count: number): AsyncGenerator<LearnerSnapshot> {
  yield* snapshots(count);
  throw new Error('the learner cursor was closed');
}

describe('Org Sync users file', () => {
  it('names the columns as the Org Sync template does, one status column per license type', () => {
    expect(orgSyncHeader(TYPES)).toEqual([
      'unique_user_id',
      'invited_email_address',
      'preferred_first_name',
      'preferred_last_name',
      'groups',
      'worker_status',
      'license_learning_pro_status',
      'license_learning_core_emea_status',
      'license_coaching_status',
    ]);
  });

  it('prefixes license columns with the budget group when one is set', () => {
    expect(orgSyncHeader(TYPES, { budgetGroup: 'EMEA Sales' }).slice(6)).toEqual([
      'emea_sales_license_learning_pro_status',
      'emea_sales_license_learning_core_emea_status',
      'emea_sales_license_coaching_status',
    ]);
  });

  it('keeps a platformName that is already a column, and falls back to the key for a name without Latin letters', () => {
    expect(licenseStatusColumn({ key: 'pro', name: 'Pro', platformName: 'finance_license_pro_status' }, { budgetGroup: 'Sales' })).toBe(
      'finance_license_pro_status',
    );
    expect(licenseStatusColumn({ key: 'jp-pro', name: 'Pro JP', platformName: 'ラーニング' })).toBe('license_jp_pro_status');
    expect(licenseStatusColumn({ key: 'x', name: 'X', platformName: '  Écoute & Coaching!! ' })).toBe('license_ecoute_coaching_status');
  });

  it('refuses two license types that would share a column', () => {
    expect(() =>
      orgSyncHeader([
        { key: 'a', name: 'A', platformName: 'Learning Pro' },
        { key: 'b', name: 'B', platformName: 'learning-pro' },
      ]),
    ).toThrow('The license types "a" and "b" would both be written to the Org Sync column license_learning_pro_status.');
  });

  it('splits names on the last space and maps statuses to active/inactive', () => {
    expect(splitName('  Jean  de la Croix ')).toEqual(['Jean de la', 'Croix']);
    expect(splitName('Cher')).toEqual(['Cher', '']);
    expect(orgSyncRow(snapshot(3, { status: 'deactivated', groups: ['Sales', 'R&D'] }), TYPES)).toEqual([
      snapshot(3).learnerId,
      'learner.3@example.com',
      'Anne-Marie',
      "O'Brien",
      'Sales,R&D',
      'inactive',
      'active',
      'active',
      'inactive',
    ]);
  });

  it('neutralises formula-looking cells with a quote and leaves ids and emails alone', () => {
    const row = orgSyncRow(snapshot(1, { name: '=HYPERLINK("http://evil") @SUM(A1)', groups: ['+Admins', '\tTabbed'] }), TYPES);
    expect(row.slice(0, 5)).toEqual([
      snapshot(1).learnerId,
      'learner.1@example.com',
      `'=HYPERLINK("http://evil")`,
      "'@SUM(A1)",
      "'+Admins,\tTabbed",
    ]);
    expect(orgSyncRow(snapshot(2, { name: '-1+2 Minus' }), TYPES)[2]).toBe("'-1+2");
  });

  it('pulls rows from the source only as the file is read', async () => {
    let pulled = 0;
    const chunks = orgSyncCsvChunks(
      snapshots(100_000, (i) => {
        pulled += 1;
        return snapshot(i);
      }),
      TYPES,
    );
    await chunks.next(); // the header
    await chunks.next(); // the first batch of rows
    expect(pulled).toBeLessThanOrEqual(501);
    await chunks.return(undefined);
  });
});

describe('Org Sync delivery over SFTP to a real OpenSSH sshd', () => {
  let server: SftpTestServer;
  let scratch: string;

  beforeAll(async () => {
    // No sshd must fail the suite with the way to get one, never skip it silently.
    if (!sshdAvailable()) {
      throw new Error(
        'OpenSSH sshd is not installed; run .ci/install-packages (apt-get install -y --no-install-recommends openssh-server).',
      );
    }
    server = await startSftpServer();
    scratch = mkdtempSync(path.join(tmpdir(), 'orgsync-test-'));
  });

  afterAll(async () => {
    await server?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  beforeEach(() => {
    for (const entry of readdirSync(server.root)) rmSync(path.join(server.root, entry), { recursive: true, force: true });
  });

  const target = (overrides: Partial<{ sftpUrl: string; privateKeyFile: string; hostKeyFingerprint: string; budgetGroup: string }> = {}) =>
    createOrgSyncTarget({
      sftpUrl: server.url,
      privateKeyFile: server.privateKeyFile,
      hostKeyFingerprint: server.hostKeyFingerprint,
      ...overrides,
    });

  it('delivers 2,000 learners that read back as the same learners and licenses, under the final name only', async () => {
    const result = await target().deliver({ name: 'users.csv', licenseTypes: TYPES, rows: snapshots(2000) });

    expect(result).toEqual({ name: 'users.csv', rows: 2000 });
    expect(readdirSync(server.root)).toEqual(['users.csv']);
    const text = readFileSync(path.join(server.root, 'users.csv'), 'utf8');
    expect(text.startsWith('unique_user_id,invited_email_address,')).toBe(true);
    expect(text).not.toContain('\r\n');
    expectSameLearners(await readBack(path.join(server.root, 'users.csv')), 2000);
  });

  it('replaces the previous file in one step', async () => {
    await target().deliver({ name: 'users.csv', licenseTypes: TYPES, rows: snapshots(50) });
    await target().deliver({ name: 'users.csv', licenseTypes: TYPES, rows: snapshots(20) });

    expect(readdirSync(server.root)).toEqual(['users.csv']);
    expectSameLearners(await readBack(path.join(server.root, 'users.csv')), 20);
  });

  it('writes the budget group prefix into the delivered header', async () => {
    await target({ budgetGroup: 'EMEA Sales' }).deliver({ name: 'users.csv', licenseTypes: TYPES, rows: snapshots(10) });

    const header = readFileSync(path.join(server.root, 'users.csv'), 'utf8').split('\n')[0];
    expect(header).toBe(
      'unique_user_id,invited_email_address,preferred_first_name,preferred_last_name,groups,worker_status,' +
        'emea_sales_license_learning_pro_status,emea_sales_license_learning_core_emea_status,emea_sales_license_coaching_status',
    );
    expect(await readBack(path.join(server.root, 'users.csv'), TYPES, 'EMEA Sales')).toHaveLength(10);
  });

  it('neutralises formula-looking names in the delivered file', async () => {
    const evil = (i: number) => snapshot(i, i === 1 ? { name: '=cmd|"/C calc"!A0 +Attacker', groups: ['@Ops'] } : {});
    await target().deliver({ name: 'users.csv', licenseTypes: TYPES, rows: snapshots(3, evil) });

    const rows = await readBack(path.join(server.root, 'users.csv'));
    expect(rows[1]).toMatchObject({
      firstName: `'=cmd|"/C calc"!A0`,
      lastName: "'+Attacker",
      groups: ["'@Ops"],
      email: 'learner.1@example.com',
    });
    expect(readFileSync(path.join(server.root, 'users.csv'), 'utf8')).toContain(`"'=cmd|""/C calc""!A0",'+Attacker,'@Ops`);
  });

  it('rejects with a sentence and writes nothing when the remote folder does not exist', async () => {
    const error = await rejection(
      target({ sftpUrl: `${server.url}/missing` }).deliver({ name: 'users.csv', licenseTypes: TYPES, rows: snapshots(5) }),
    );

    expect(error).toBeInstanceOf(OrgSyncDeliveryError);
    expect(error).toMatchObject({
      code: 'orgsync_no_such_folder',
      message: `The folder ${server.root}/missing does not exist on 127.0.0.1:${server.port}.`,
    });
    expect(readdirSync(server.root)).toEqual([]);
  });

  it('rejects a key the server does not know, writing nothing', async () => {
    const stranger = makeKeyPair(scratch, `stranger-${Date.now()}`);
    const error = await rejection(
      target({ privateKeyFile: stranger.privateKeyFile }).deliver({ name: 'users.csv', licenseTypes: TYPES, rows: snapshots(5) }),
    );

    expect(error).toMatchObject({
      code: 'orgsync_auth_failed',
      message: `The SFTP server 127.0.0.1:${server.port} refused the login of ${server.username}: check the private key or password.`,
    });
    expect(readdirSync(server.root)).toEqual([]);
  });

  it('refuses a server whose host key is not the configured one', async () => {
    const error = await rejection(
      target({ hostKeyFingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }).deliver({
        name: 'users.csv',
        licenseTypes: TYPES,
        rows: snapshots(5),
      }),
    );

    expect(error).toMatchObject({ code: 'orgsync_host_key_mismatch' });
    expect(error.message).toContain(server.hostKeyFingerprint);
    expect(readdirSync(server.root)).toEqual([]);
  });

  it('says it cannot connect when nothing listens, without the password', async () => {
    const error = await rejection(
      createOrgSyncTarget({ sftpUrl: 'sftp://bot@127.0.0.1:1/upload', password: 'hunter2-secret' }).deliver({
        name: 'users.csv',
        licenseTypes: TYPES,
        rows: snapshots(1),
      }),
    );

    expect(error).toMatchObject({
      code: 'orgsync_unreachable',
      message: 'Could not connect to the SFTP server 127.0.0.1:1 (connection refused).',
    });
  });

  it('gives up on a server that accepts the connection but never speaks SSH', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const error = await rejection(
        createOrgSyncTarget({ sftpUrl: `sftp://bot@127.0.0.1:${port}/upload`, password: 'secret', timeoutMs: 500 }).deliver({
          name: 'users.csv',
          licenseTypes: TYPES,
          rows: snapshots(1),
        }),
      );

      expect(error).toMatchObject({
        code: 'orgsync_unreachable',
        message: `Could not connect to the SFTP server 127.0.0.1:${port} (no answer within 1 s).`,
      });
    } finally {
      silent.close();
    }
  });

  it('removes the partial upload when the rows fail halfway, and rejects with their error', async () => {
    const error = await rejection(target().deliver({ name: 'users.csv', licenseTypes: TYPES, rows: failingAfter(1200) }));

    expect(error.message).toBe('the learner cursor was closed');
    expect(readdirSync(server.root)).toEqual([]);
  });

  it('keeps the previous file when a new delivery fails', async () => {
    await target().deliver({ name: 'users.csv', licenseTypes: TYPES, rows: snapshots(30) });
    await rejection(target().deliver({ name: 'users.csv', licenseTypes: TYPES, rows: failingAfter(1200) }));

    expect(readdirSync(server.root)).toEqual(['users.csv']);
    expectSameLearners(await readBack(path.join(server.root, 'users.csv')), 30);
  });

  it('describes itself by URL, never by password', () => {
    const described = createOrgSyncTarget({
      sftpUrl: 'sftp://bot:hunter2@sftp.example.com/upload/users',
      password: 'other-secret',
    }).describe();

    expect(described).toBe('Org Sync files over SFTP to sftp://bot@sftp.example.com:22/upload/users');
  });
});

describe('Org Sync delivery to a folder', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'orgsync-folder-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers 2,000 learners that read back the same, under the final name with the file prefix', async () => {
    const target = createOrgSyncTarget({ dir, filePrefix: 'acme_' });

    expect(target.describe()).toBe(`Org Sync files to the folder ${dir}`);
    expect(await target.deliver({ name: 'users.csv', licenseTypes: TYPES, rows: snapshots(2000) })).toEqual({
      name: 'acme_users.csv',
      rows: 2000,
    });
    expect(readdirSync(dir)).toEqual(['acme_users.csv']);
    expectSameLearners(await readBack(path.join(dir, 'acme_users.csv')), 2000);
  });

  it('leaves the previous file and no partial when the rows fail halfway', async () => {
    writeFileSync(path.join(dir, 'users.csv'), 'previous');
    const error = await rejection(
      createOrgSyncTarget({ dir }).deliver({ name: 'users.csv', licenseTypes: TYPES, rows: failingAfter(1500) }),
    );

    expect(error.message).toBe('the learner cursor was closed');
    expect(readdirSync(dir)).toEqual(['users.csv']);
    expect(readFileSync(path.join(dir, 'users.csv'), 'utf8')).toBe('previous');
  });

  it('rejects with a sentence when the folder does not exist, creating nothing', async () => {
    const missing = path.join(dir, 'not-mounted');
    const error = await rejection(
      createOrgSyncTarget({ dir: missing }).deliver({ name: 'users.csv', licenseTypes: TYPES, rows: snapshots(3) }),
    );

    expect(error).toMatchObject({ code: 'orgsync_no_such_folder', message: `The folder ${missing} does not exist.` });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a file name that is a path', async () => {
    const error = await rejection(createOrgSyncTarget({ dir }).deliver({ name: '../users.csv', licenseTypes: TYPES, rows: snapshots(3) }));

    expect(error).toMatchObject({ code: 'orgsync_bad_settings' });
    expect(readdirSync(dir)).toEqual([]);
  });
});
