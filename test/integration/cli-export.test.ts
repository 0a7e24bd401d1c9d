import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { runCli } from '../../src/cli/run.js';
import { modelsFor } from '../../src/db/models/index.js';
import { openTestDatabase } from '../support/database.js';
import { expectSeatInvariant, givenLicenseTypes } from '../support/fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
let dir: string;

beforeEach(async () => {
  db = await openTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'cli-export-'));
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 10 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
});
afterEach(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI against a database and captures what it prints. */
async function cli(target: TestDb, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        out[key] += chunk.toString();
        done();
      },
    });
  const env = { MONGODB_URI: process.env.MONGODB_URI, MONGODB_DB_NAME: target.connection.name };
  const code = await runCli(argv, { stdout: sink('stdout'), stderr: sink('stderr'), env });
  return { code, ...out };
}

function csvFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const people = [
  'email,name,group,licenseType,status',
  'zoe@example.com,Zoë Quinn,Sales,pro,',
  'ada@example.com,"Lovelace, Ada ""Countess""",Engineering;Sales,core;pro,active',
  'bob@example.com,Bob,,,',
  'old@example.com,Old Timer,HR,,deactivated',
].join('\n');

describe('license-bot export learners', () => {
  it('writes learners as CSV in email order with several values joined by semicolons', async () => {
    expect((await cli(db, 'import', 'learners', csvFile('people.csv', people))).code).toBe(0);
    const result = await cli(db, 'export', 'learners');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      [
        'email,name,groups,status,licenseTypes',
        'ada@example.com,"Lovelace, Ada ""Countess""",Engineering;Sales,active,core;pro',
        'bob@example.com,Bob,,active,',
        'old@example.com,Old Timer,HR,deactivated,',
        'zoe@example.com,Zoë Quinn,Sales,active,pro',
        '',
      ].join('\n'),
    );
  });

  it('round-trips: an export imported into an empty database exports the same text', async () => {
    expect((await cli(db, 'import', 'learners', csvFile('people.csv', people))).code).toBe(0);
    const first = await cli(db, 'export', 'learners');

    const other = await openTestDatabase();
    try {
      await givenLicenseTypes(other, [
        { key: 'pro', name: 'Learning Pro', capacity: 10 },
        { key: 'core', name: 'Learning Core', capacity: null },
      ]);
      const imported = await cli(other, 'import', 'learners', csvFile('export.csv', first.stdout));
      expect(imported.stdout).toBe('Imported 4 learners from export.csv: 4 created, 0 updated, 0 unchanged; licenses changed for 2.\n');
      expect((await cli(other, 'export', 'learners')).stdout).toBe(first.stdout);
      await expectSeatInvariant(other);
    } finally {
      await other.drop();
    }
    // The export imported back into the database it came from changes nothing.
    const again = await cli(db, 'import', 'learners', csvFile('export.csv', first.stdout));
    expect(again.stdout).toBe('Imported 4 learners from export.csv: 0 created, 0 updated, 4 unchanged; licenses changed for 0.\n');
  });

  it('neutralises every cell a spreadsheet would run as a formula, and still imports back to the same learners', async () => {
    const hostile = [
      'email,name,group,licenseType,status',
      'eq@example.com,"=HYPERLINK(""http://evil"",""click"")",=cmd|\' /C calc\'!A0,pro,',
      'plus@example.com,+1 Stan,+Sales;-Ops,core,',
      'minus@example.com,-Ann,@Admins,,',
      'at@example.com,@Sam,Engineering,,deactivated',
      'quoted@example.com,"\'=already quoted",\'-x,,',
    ].join('\n');
    expect((await cli(db, 'import', 'learners', csvFile('hostile.csv', hostile))).code).toBe(0);
    const { Learner } = modelsFor(db.connection);
    const stored = await Learner.find({}, { _id: 0, email: 1, name: 1, groups: 1, status: 1, licenseTypes: 1 }).sort({ email: 1 }).lean();
    // A quote before a formula character is what makes a cell safe: the import reads it as that.
    expect(stored.find((l) => l.email === 'quoted@example.com')).toMatchObject({ name: '=already quoted', groups: ['-x'] });

    const { Audit } = modelsFor(db.connection);
    await Audit.create({
      at: new Date(),
      actor: '=U1',
      action: '+x',
      outcome: 'applied',
      code: '-1',
      source: 'slack',
      details: { reason: '=1+1' },
    });
    for (const kind of ['learners', 'history', 'audit']) {
      const exported = await cli(db, 'export', kind);
      expect(exported.code).toBe(0);
      const cells = parse(exported.stdout) as string[][];
      for (const cell of cells.flat()) expect({ kind, cell, formula: /^[=+\-@\t\r]/.test(cell) }).toEqual({ kind, cell, formula: false });
    }

    const other = await openTestDatabase();
    try {
      await givenLicenseTypes(other, [
        { key: 'pro', name: 'Learning Pro', capacity: 10 },
        { key: 'core', name: 'Learning Core', capacity: null },
      ]);
      const exported = (await cli(db, 'export', 'learners')).stdout;
      expect((await cli(other, 'import', 'learners', csvFile('export.csv', exported))).code).toBe(0);
      const back = await modelsFor(other.connection)
        .Learner.find({}, { _id: 0, email: 1, name: 1, groups: 1, status: 1, licenseTypes: 1 })
        .sort({ email: 1 })
        .lean();
      expect(back).toEqual(stored);
    } finally {
      await other.drop();
    }
  });

  it('writes only the header when there are no learners', async () => {
    expect((await cli(db, 'export', 'learners')).stdout).toBe('email,name,groups,status,licenseTypes\n');
  });

  it('rejects an unknown export with usage', async () => {
    const result = await cli(db, 'export', 'secrets');
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'Usage: license-bot export learners|history|audit > FILE.csv\n' });
  });
});

describe('license-bot export history and audit', () => {
  it('writes one history row per assignment in assignedAt order, revokedAt empty while held', async () => {
    const header = 'email,name,group,licenseType,status';
    expect((await cli(db, 'import', 'learners', csvFile('v1.csv', `${header}\nada@example.com,Ada,,core,\n`))).code).toBe(0);
    expect((await cli(db, 'import', 'learners', csvFile('v2.csv', `${header}\nada@example.com,Ada,,pro,\n`))).code).toBe(0);

    const result = await cli(db, 'export', 'history');
    expect(result.code).toBe(0);
    const [head, ...rows] = result.stdout.trimEnd().split('\n');
    expect(head).toBe('email,licenseType,assignedAt,revokedAt,actor,source,reason');
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    const cells = rows.map((row) => row.split(','));
    expect(cells.map(([email, type, , , actor, source, reason]) => [email, type, actor, source, reason])).toEqual([
      ['ada@example.com', 'core', 'cli:import', 'import', 'import of v1.csv'],
      ['ada@example.com', 'pro', 'cli:import', 'import', 'import of v2.csv'],
    ]);
    expect(cells[0]?.[2]).toMatch(iso);
    expect(cells[0]?.[3]).toMatch(iso);
    expect(cells[1]?.[2]).toMatch(iso);
    expect(cells[1]?.[3]).toBe('');
    expect(cells[0]![2]! <= cells[1]![2]!).toBe(true);
  });

  it('neutralises a reason a spreadsheet would run as a formula', async () => {
    const { Assignment } = modelsFor(db.connection);
    await Assignment.create({
      _id: 'op1:L1:pro',
      learnerId: 'L1',
      email: 'ada@example.com',
      licenseType: 'pro',
      assignedAt: new Date('2025-01-02T03:04:05Z'),
      revokedAt: null,
      actor: 'U1',
      source: 'slack',
      reason: '=HYPERLINK("http://evil")',
      opId: 'op1',
    });
    const result = await cli(db, 'export', 'history');
    expect(result.stdout.split('\n')[1]).toBe('ada@example.com,pro,2025-01-02T03:04:05.000Z,,U1,slack,"\'=HYPERLINK(""http://evil"")"');
  });

  it('writes audit events in time order with from/to joined and details as JSON', async () => {
    const { Audit } = modelsFor(db.connection);
    await Audit.insertMany([
      {
        at: new Date('2025-01-02T00:00:00Z'),
        actor: 'U2',
        action: 'revoke',
        outcome: 'refused',
        code: 'not_admin',
        learnerEmail: 'bob@example.com',
        channelId: 'C1',
        source: 'slack',
      },
      {
        at: new Date('2025-01-01T00:00:00Z'),
        actor: 'U1',
        action: 'reassign',
        outcome: 'applied',
        learnerEmail: 'ada@example.com',
        from: ['core'],
        to: ['core', 'pro'],
        source: 'slack',
        details: { opId: 'op1', reason: 'promotion, finally' },
      },
    ]);
    const result = await cli(db, 'export', 'audit');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      [
        'at,actor,action,outcome,code,learnerEmail,from,to,channelId,source,details',
        '2025-01-01T00:00:00.000Z,U1,reassign,applied,,ada@example.com,core,core;pro,,slack,"{""opId"":""op1"",""reason"":""promotion, finally""}"',
        '2025-01-02T00:00:00.000Z,U2,revoke,refused,not_admin,bob@example.com,,,C1,slack,',
        '',
      ].join('\n'),
    );
  });
});
