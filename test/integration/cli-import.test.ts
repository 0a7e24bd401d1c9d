import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/run.js';
import { modelsFor } from '../../src/db/models/index.js';
import { openTestDatabase } from '../support/database.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
let dir: string;

beforeEach(async () => {
  db = await openTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'cli-import-'));
});
afterEach(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI against the test database and captures what it prints. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        out[key] += chunk.toString();
        done();
      },
    });
  const env = { MONGODB_URI: process.env.MONGODB_URI, MONGODB_DB_NAME: db.connection.name };
  const code = await runCli(argv, { stdout: sink('stdout'), stderr: sink('stderr'), env });
  return { code, ...out };
}

function csvFile(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const demoTypes = [
  { key: 'pro', name: 'Learning Pro', capacity: 3 },
  { key: 'core', name: 'Learning Core', capacity: null },
  { key: 'coaching', name: 'Coaching', capacity: 1 },
];

async function nothingWritten(): Promise<void> {
  const { Learner, Assignment, Operation, Audit } = modelsFor(db.connection);
  expect(await Learner.countDocuments()).toBe(0);
  expect(await Assignment.countDocuments()).toBe(0);
  expect(await Operation.countDocuments()).toBe(0);
  expect(await Audit.countDocuments()).toBe(0);
}

describe('license-bot import license-types', () => {
  it('creates and updates license types by key, with empty seats meaning unlimited', async () => {
    await givenLicenseTypes(db, [{ key: 'pro', name: 'Pro (old name)', capacity: 10 }]);
    const file = csvFile('types.csv', ['key,name,seats', 'pro,Learning Pro,2500', 'core,Learning Core,', 'coaching,Coaching,150']);
    const result = await cli('import', 'license-types', file);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe('Imported 3 license types from types.csv: 2 created, 1 updated, 0 unchanged.\n');
    const { LicenseType } = modelsFor(db.connection);
    const types = await LicenseType.find({}, { _id: 0, key: 1, name: 1, capacity: 1, seatsInUse: 1 }).sort({ key: 1 }).lean();
    expect(types).toEqual([
      { key: 'coaching', name: 'Coaching', capacity: 150, seatsInUse: 0 },
      { key: 'core', name: 'Learning Core', capacity: null, seatsInUse: 0 },
      { key: 'pro', name: 'Learning Pro', capacity: 2500, seatsInUse: 0 },
    ]);
  });

  it('refuses a capacity below the seats in use and changes no type', async () => {
    await givenLicenseTypes(db, demoTypes);
    await givenLearners(db, [
      { email: 'a@example.com', name: 'A', licenseTypes: ['pro'] },
      { email: 'b@example.com', name: 'B', licenseTypes: ['pro'] },
    ]);
    const file = csvFile('types.csv', ['key,name,seats', 'core,Core Renamed,', 'pro,Learning Pro,1']);
    const result = await cli('import', 'license-types', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('line 3: Learning Pro has 2 seats in use, so its seats cannot be set to 1');
    const { LicenseType } = modelsFor(db.connection);
    expect(await LicenseType.findOne({ key: 'pro' }).lean()).toMatchObject({ capacity: 3 });
    expect(await LicenseType.findOne({ key: 'core' }).lean()).toMatchObject({ name: 'Learning Core' });
  });

  it('reports bad keys, seats and duplicates with their line numbers', async () => {
    const file = csvFile('types.csv', ['key,name,seats', 'Pro!,Learning Pro,10', 'core,,many', 'core,Core,-1']);
    const result = await cli('import', 'license-types', file);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')).toEqual([
      'Nothing was imported: 5 problems found.',
      '  line 2: key "Pro!" must be 1–64 lower-case letters, digits, "-" or "_", starting with a letter or digit',
      '  line 3: name is empty',
      '  line 3: seats "many" must be a whole number of at least 0, or empty for unlimited',
      '  line 4: seats "-1" must be a whole number of at least 0, or empty for unlimited',
      '  line 4: key "core" already appears on line 3',
      '',
    ]);
    expect(await modelsFor(db.connection).LicenseType.countDocuments()).toBe(0);
  });
});

describe('license-bot import learners', () => {
  beforeEach(async () => {
    await givenLicenseTypes(db, demoTypes);
  });

  it('creates learners and gives them licenses through operations recorded as an import', async () => {
    const file = csvFile('people.csv', [
      'email,name,group,licenseType,status',
      'Ada.Lovelace@Example.com,Ada Lovelace,Engineering;Sales,pro,active',
      'grace@example.com,"Hopper, Grace",Engineering,core,',
      'alan@example.com,Alan Turing,,,',
      'old@example.com,Old Timer,HR,,deactivated',
    ]);
    const result = await cli('import', 'learners', file);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe('Imported 4 learners from people.csv: 4 created, 0 updated, 0 unchanged; licenses changed for 2.\n');

    const { Learner, Assignment, Operation, Audit } = modelsFor(db.connection);
    const learners = await Learner.find({}, { _id: 0, email: 1, name: 1, groups: 1, status: 1, licenseTypes: 1, searchKeys: 1 })
      .sort({ email: 1 })
      .lean();
    expect(learners).toEqual([
      {
        email: 'ada.lovelace@example.com',
        name: 'Ada Lovelace',
        groups: ['Engineering', 'Sales'],
        status: 'active',
        licenseTypes: ['pro'],
        searchKeys: ['ada', 'lovelace', 'adalovelace', 'adalovelace@examplecom'],
      },
      {
        email: 'alan@example.com',
        name: 'Alan Turing',
        groups: [],
        status: 'active',
        licenseTypes: [],
        searchKeys: ['alan', 'turing', 'alanturing', 'alan@examplecom'],
      },
      {
        email: 'grace@example.com',
        name: 'Hopper, Grace',
        groups: ['Engineering'],
        status: 'active',
        licenseTypes: ['core'],
        searchKeys: ['hopper', 'grace', 'hoppergrace', 'grace@examplecom'],
      },
      {
        email: 'old@example.com',
        name: 'Old Timer',
        groups: ['HR'],
        status: 'deactivated',
        licenseTypes: [],
        searchKeys: ['old', 'timer', 'oldtimer', 'old@examplecom'],
      },
    ]);
    const history = await Assignment.find({}, { _id: 0, email: 1, licenseType: 1, revokedAt: 1, actor: 1, source: 1, reason: 1 })
      .sort({ email: 1 })
      .lean();
    expect(history).toEqual([
      {
        email: 'ada.lovelace@example.com',
        licenseType: 'pro',
        revokedAt: null,
        actor: 'cli:import',
        source: 'import',
        reason: 'import of people.csv',
      },
      {
        email: 'grace@example.com',
        licenseType: 'core',
        revokedAt: null,
        actor: 'cli:import',
        source: 'import',
        reason: 'import of people.csv',
      },
    ]);
    const ops = await Operation.find({}).lean();
    expect(ops.length).toBeGreaterThan(0);
    for (const op of ops)
      expect(op).toMatchObject({
        _id: expect.stringMatching(/^import:[a-z0-9]+:\d+$/),
        state: 'settled',
        source: 'import',
        actor: 'cli:import',
      });
    expect(await Audit.countDocuments({ source: 'import', outcome: 'applied' })).toBe(2);
    await expectSeatInvariant(db);
  });

  it('reports every bad row with its line number and writes nothing at all', async () => {
    const file = csvFile('bad.csv', [
      'email,name,group,licenseType,status',
      'ada@example.com,Ada,Sales,pro,',
      'bob@,Bob,Sales,pro,',
      'ADA@example.com,Ada Again,,core,',
      'carl@example.com,,HR,gold,sleeping',
      'dora@example.com,Dora,HR,pro,deactivated',
      '"eve@example.com","Eve',
      'on two lines",Sales,core,active',
      'fay@example.com,Fay,Sales,core',
      'gus@example.com,Gus,Sales,core,',
    ]);
    const result = await cli('import', 'learners', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      'Nothing was imported: 7 problems found.',
      '  line 3: email "bob@" is not a valid email address',
      '  line 4: email ada@example.com already appears on line 2',
      '  line 5: name is empty',
      '  line 5: status "sleeping" must be active, deactivated or empty',
      '  line 5: license type "gold" does not exist',
      '  line 6: a deactivated learner cannot hold a license; leave licenseType empty',
      '  line 9: expected 5 fields as in the header, found 4',
      '',
    ]);
    await nothingWritten();
  });

  it('refuses a file whose header lacks a required column or has an unknown one', async () => {
    const file = csvFile('header.csv', ['mail,name,licence', 'ada@example.com,Ada,pro']);
    const result = await cli('import', 'learners', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('line 1: unknown column "mail"');
    expect(result.stderr).toContain('line 1: unknown column "licence"');
    expect(result.stderr).toContain('line 1: column "email" is missing');
    await nothingWritten();
  });

  it('refuses an import that would need more seats than are free, and writes nothing', async () => {
    await givenLearners(db, [{ email: 'held@example.com', name: 'Held', licenseTypes: ['pro'] }]);
    const file = csvFile('too-many.csv', [
      'email,name,group,licenseType,status',
      'a@example.com,A,,pro,',
      'b@example.com,B,,pro,',
      'c@example.com,C,,pro,',
      'held@example.com,Held,,pro,',
    ]);
    const result = await cli('import', 'learners', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'Nothing was imported: 1 problem found.\n  Learning Pro (pro) would need 3 more seats but has 2 free (3 seats, 1 in use)\n',
    );
    const { Learner, Assignment, Operation } = modelsFor(db.connection);
    expect(await Learner.countDocuments()).toBe(1);
    expect(await Assignment.countDocuments()).toBe(0);
    expect(await Operation.countDocuments()).toBe(0);
    await expectSeatInvariant(db);
  });

  it('changes nothing and writes no history when the same file is imported again', async () => {
    const file = csvFile('people.csv', [
      'email,name,group,licenseType,status',
      'ada@example.com,Ada Lovelace,Engineering,pro,',
      'grace@example.com,Grace Hopper,Engineering;Navy,coaching,',
      'old@example.com,Old Timer,,,deactivated',
    ]);
    expect((await cli('import', 'learners', file)).code).toBe(0);
    const { Learner, Assignment, Operation, Audit } = modelsFor(db.connection);
    const before = await Learner.find({}).sort({ email: 1 }).lean();
    const counts = [await Assignment.countDocuments(), await Operation.countDocuments(), await Audit.countDocuments()];

    const again = await cli('import', 'learners', file);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toBe('Imported 3 learners from people.csv: 0 created, 0 updated, 3 unchanged; licenses changed for 0.\n');
    expect(await Learner.find({}).sort({ email: 1 }).lean()).toEqual(before);
    expect([await Assignment.countDocuments(), await Operation.countDocuments(), await Audit.countDocuments()]).toEqual(counts);
    await expectSeatInvariant(db);
  });

  it('gives each learner exactly the types in the file, replacing other licenses and keeping history', async () => {
    const [both, onPro, keeps] = await givenLearners(db, [
      { email: 'both@example.com', name: 'Both Types', licenseTypes: ['core', 'pro'] },
      { email: 'onpro@example.com', name: 'On Pro', licenseTypes: ['pro'] },
      { email: 'keeps@example.com', name: 'Keeps Hers', groups: ['Sales'], licenseTypes: ['coaching'] },
    ]);
    const file = csvFile('people.csv', [
      'email,name,group,licenseType,status',
      'both@example.com,Both Types,,core,',
      'onpro@example.com,On Pro,,core;pro,',
      'keeps@example.com,Keeps Hers Renamed,Sales;HR,,',
    ]);
    const result = await cli('import', 'learners', file);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe('Imported 3 learners from people.csv: 0 created, 1 updated, 2 unchanged; licenses changed for 2.\n');

    const { Learner, Assignment, Audit } = modelsFor(db.connection);
    expect((await Learner.findById(both).lean())?.licenseTypes).toEqual(['core']);
    expect(new Set((await Learner.findById(onPro).lean())?.licenseTypes)).toEqual(new Set(['core', 'pro']));
    expect(await Learner.findById(keeps).lean()).toMatchObject({
      name: 'Keeps Hers Renamed',
      groups: ['Sales', 'HR'],
      licenseTypes: ['coaching'],
    });
    expect(await Audit.findOne({ learnerId: both }).lean()).toMatchObject({
      source: 'import',
      outcome: 'applied',
      from: ['core', 'pro'],
      to: ['core'],
    });
    expect(await Assignment.countDocuments({ learnerId: onPro, licenseType: 'core', revokedAt: null, source: 'import' })).toBe(1);
    await expectSeatInvariant(db);
  });

  it('releases the licenses of learners the file deactivates', async () => {
    const [leaver] = await givenLearners(db, [{ email: 'leaver@example.com', name: 'Leaver', licenseTypes: ['pro'] }]);
    const file = csvFile('people.csv', ['email,name,group,licenseType,status', 'leaver@example.com,Leaver,,,deactivated']);
    expect((await cli('import', 'learners', file)).code).toBe(0);
    const { Learner, LicenseType } = modelsFor(db.connection);
    expect(await Learner.findById(leaver).lean()).toMatchObject({ status: 'deactivated', licenseTypes: [] });
    expect((await LicenseType.findOne({ key: 'pro' }).lean())?.seatsInUse).toBe(0);
    await expectSeatInvariant(db);
  });

  it('swaps learners between full license types by releasing seats before taking them', async () => {
    await givenLearners(db, [
      { email: 'p1@example.com', name: 'P One', licenseTypes: ['pro'] },
      { email: 'p2@example.com', name: 'P Two', licenseTypes: ['pro'] },
      { email: 'p3@example.com', name: 'P Three', licenseTypes: ['pro'] },
      { email: 'c1@example.com', name: 'C One', licenseTypes: ['coaching'] },
    ]);
    // Pro (3) and Coaching (1) are full; rows needing a seat come before the rows freeing one.
    const file = csvFile('swap.csv', [
      'email,name,group,licenseType,status',
      'new@example.com,New Hire,,pro,',
      'c1@example.com,C One,,pro,',
      'p1@example.com,P One,,coaching,',
      'p2@example.com,P Two,,core,',
      'p3@example.com,P Three,,core,',
    ]);
    const result = await cli('import', 'learners', file);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('licenses changed for 5');

    const { Learner, Assignment } = modelsFor(db.connection);
    const holdings = await Learner.find({}, { _id: 0, email: 1, licenseTypes: 1 }).sort({ email: 1 }).lean();
    expect(holdings).toEqual([
      { email: 'c1@example.com', licenseTypes: ['pro'] },
      { email: 'new@example.com', licenseTypes: ['pro'] },
      { email: 'p1@example.com', licenseTypes: ['coaching'] },
      { email: 'p2@example.com', licenseTypes: ['core'] },
      { email: 'p3@example.com', licenseTypes: ['core'] },
    ]);
    expect(await Assignment.countDocuments({ revokedAt: null, source: 'import' })).toBe(5);
    await expectSeatInvariant(db);
  });

  it('reads an export back as an import', async () => {
    const file = csvFile('export.csv', ['email,name,groups,status,licenseTypes', 'ada@example.com,Ada,Sales;HR,active,core;pro']);
    expect((await cli('import', 'learners', file)).code).toBe(0);
    const ada = await modelsFor(db.connection).Learner.findOne({ email: 'ada@example.com' }).lean();
    expect(ada).toMatchObject({ groups: ['Sales', 'HR'] });
    expect(new Set(ada?.licenseTypes)).toEqual(new Set(['core', 'pro']));
    await expectSeatInvariant(db);
  });
});

describe('what an import file leaves out', () => {
  beforeEach(async () => {
    await givenLicenseTypes(db, demoTypes);
  });

  it('keeps groups and status when the file has no group or status column, and gives no license to a deactivated learner', async () => {
    const [gone, sales] = await givenLearners(db, [
      { email: 'gone@example.com', name: 'Gone', groups: ['HR'], status: 'deactivated' },
      { email: 'sales@example.com', name: 'Sales Person', groups: ['Sales', 'EMEA'], licenseTypes: ['core'] },
    ]);
    const renamed = csvFile('names.csv', [
      'email,name,licenseType',
      'gone@example.com,Gone Renamed,',
      'sales@example.com,Sales Renamed,pro',
    ]);
    const result = await cli('import', 'learners', renamed);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const { Learner, Audit } = modelsFor(db.connection);
    expect(await Learner.findById(gone).lean()).toMatchObject({
      name: 'Gone Renamed',
      groups: ['HR'],
      status: 'deactivated',
      licenseTypes: [],
    });
    expect(await Learner.findById(sales).lean()).toMatchObject({
      name: 'Sales Renamed',
      groups: ['Sales', 'EMEA'],
      status: 'active',
      licenseTypes: ['pro'],
    });
    expect(await Audit.countDocuments({ action: /^learner\./ })).toBe(0);

    const licensed = csvFile('license.csv', ['email,name,licenseType', 'gone@example.com,Gone Renamed,pro']);
    const refused = await cli('import', 'learners', licensed);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'line 2: gone@example.com is deactivated and cannot hold a license; set status to active, or leave licenseType empty',
    );
    expect((await Learner.findById(gone).lean())?.licenseTypes).toEqual([]);
    await expectSeatInvariant(db);
  });

  it('audits every status change an import makes, once', async () => {
    const [leaver, returner] = await givenLearners(db, [
      { email: 'leaver@example.com', name: 'Leaver', licenseTypes: ['pro'] },
      { email: 'back@example.com', name: 'Back Again', status: 'deactivated' },
    ]);
    const file = csvFile('status.csv', [
      'email,name,status',
      'leaver@example.com,Leaver,deactivated',
      'back@example.com,Back Again,active',
    ]);
    expect((await cli('import', 'learners', file)).code).toBe(0);
    expect((await cli('import', 'learners', file)).stdout).toContain('0 created, 0 updated, 2 unchanged');
    const { Audit } = modelsFor(db.connection);
    const events = await Audit.find(
      { action: /^learner\./ },
      { _id: 0, action: 1, learnerId: 1, learnerEmail: 1, source: 1, actor: 1, details: 1 },
    )
      .sort({ learnerEmail: 1 })
      .lean();
    expect(events).toEqual([
      {
        action: 'learner.activate',
        learnerId: returner,
        learnerEmail: 'back@example.com',
        source: 'import',
        actor: 'cli:import',
        details: { from: 'deactivated', to: 'active' },
      },
      {
        action: 'learner.deactivate',
        learnerId: leaver,
        learnerEmail: 'leaver@example.com',
        source: 'import',
        actor: 'cli:import',
        details: { from: 'active', to: 'deactivated' },
      },
    ]);
    await expectSeatInvariant(db);
  });

  it('keeps the capacities of license types when the file has no seats column', async () => {
    const file = csvFile('renames.csv', ['key,name', 'pro,Learning Pro+', 'new,Brand New']);
    expect((await cli('import', 'license-types', file)).code).toBe(0);
    const { LicenseType } = modelsFor(db.connection);
    expect(await LicenseType.findOne({ key: 'pro' }).lean()).toMatchObject({ name: 'Learning Pro+', capacity: 3 });
    expect(await LicenseType.findOne({ key: 'new' }).lean()).toMatchObject({ name: 'Brand New', capacity: null });
  });
});

describe('what an import file may hold', () => {
  beforeEach(async () => {
    await givenLicenseTypes(db, demoTypes);
  });

  it('refuses an email that is a formula, not an address', async () => {
    const file = csvFile('formula.csv', [
      'email,name',
      '"=HYPERLINK(""http://evil"")@evil.com",Evil',
      '+1@example.com,Plus',
      'a=b@example.com,Fine',
    ]);
    const result = await cli('import', 'learners', file);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')).toEqual([
      'Nothing was imported: 2 problems found.',
      '  line 2: email "=HYPERLINK("http://evil")@evil.com" is not a valid email address',
      '  line 3: email "+1@example.com" is not a valid email address',
      '',
    ]);
    await nothingWritten();
  });

  it('checks cell size, groups per learner and row length as part of the check, with line numbers', async () => {
    const groups = Array.from({ length: 51 }, (_, i) => `G${i}`).join(';');
    const file = csvFile('limits.csv', [
      'email,name,group',
      `long@example.com,${'N'.repeat(1_200)},`,
      `many@example.com,Many Groups,${groups}`,
      `wide@example.com,Wide,"${Array.from({ length: 50 }, (_, i) => `Group number ${i} with a long name ${'x'.repeat(60)}`).join(';')}"`,
      'fine@example.com,Fine,Sales',
    ]);
    const result = await cli('import', 'learners', file);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')).toEqual([
      'Nothing was imported: 3 problems found.',
      '  line 2: column name holds 1,200 characters; at most 1,000 are allowed',
      '  line 3: 51 groups; a learner may be in at most 50',
      '  line 4: the row is 4,709 characters long; at most 4,000 are allowed',
      '',
    ]);
    await nothingWritten();
  });

  it('quotes at most a short excerpt of a bad value', async () => {
    const file = csvFile('bad.csv', ['email,name', `${'x'.repeat(900)},Long`]);
    const result = await cli('import', 'learners', file);
    expect(result.stderr).toContain(`line 2: email "${'x'.repeat(39)}…" is not a valid email address`);
    expect(result.stderr.length).toBeLessThan(200);
  });

  it('makes one learner of one person whatever Unicode form the file uses (NFC)', async () => {
    const decomposed = 'zoe\u0308@example.com';
    const file = csvFile('nfd.csv', ['email,name', `${decomposed},Zoe\u0308 Quinn`]);
    expect((await cli('import', 'learners', file)).code).toBe(0);
    const again = csvFile('nfc.csv', ['email,name', 'zo\u00eb@example.com,Zo\u00eb Quinn']);
    expect((await cli('import', 'learners', again)).stdout).toContain('0 created, 0 updated, 1 unchanged');
    const { Learner } = modelsFor(db.connection);
    expect(await Learner.find({}, { _id: 0, email: 1, name: 1 }).lean()).toEqual([
      { email: 'zo\u00eb@example.com', name: 'Zo\u00eb Quinn' },
    ]);
  });
});

describe('files that are not UTF-8 CSV', () => {
  beforeEach(async () => {
    await givenLicenseTypes(db, demoTypes);
  });

  const bytesFile = (name: string, bytes: Buffer) => {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    return file;
  };

  it('refuses a Windows-1252 file with a sentence instead of storing “\uFFFD”', async () => {
    const file = bytesFile('latin.csv', Buffer.from('email,name\nzoe@example.com,Zo\xeb Quinn\n', 'latin1'));
    const result = await cli('import', 'learners', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'Nothing was imported: 1 problem found.\n  line 2: the file is not UTF-8 text (it may be Windows-1252 or Latin-1); save it as CSV UTF-8 (in Excel: CSV UTF-8 (Comma delimited)) and import it again; the rest of the file was not read\n',
    );
    await nothingWritten();
  });

  it('reads UTF-16 with a byte order mark, and says so', async () => {
    const text = '\ufeffemail,name\r\nzoe@example.com,Zoë Ødegård\r\n';
    const file = bytesFile('utf16.csv', Buffer.from(text, 'utf16le'));
    const result = await cli('import', 'learners', file);
    expect(result).toMatchObject({
      code: 0,
      stderr: 'utf16.csv is UTF-16 (little-endian) text with a byte order mark; reading it as such.\n',
    });
    expect(await modelsFor(db.connection).Learner.findOne({ email: 'zoe@example.com' }).lean()).toMatchObject({ name: 'Zoë Ødegård' });
  });

  it('gives a hint for a file with ; between its columns', async () => {
    const result = await cli('import', 'learners', csvFile('semicolons.csv', ['email;name;group', 'zoe@example.com;Zoe;Sales']));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('line 1: the columns are separated by ";", not ","; save the file as CSV with commas');
    await nothingWritten();
  });

  it('refuses a folder, a device and binary data in one sentence each, at once', async () => {
    const folder = await cli('import', 'learners', dir);
    expect(folder).toMatchObject({ code: 1, stderr: `${dir} is a folder, not a CSV file.\n` });
    const device = await cli('import', 'learners', '/dev/zero');
    expect(device).toMatchObject({
      code: 1,
      stderr:
        '/dev/zero is not a regular file (a device or a pipe, say); the import reads its file twice, so save the CSV to a file first.\n',
    });
    const zeros = await cli('import', 'learners', bytesFile('zeros.csv', Buffer.alloc(1_000_000)));
    expect(zeros.code).toBe(1);
    expect(zeros.stderr).toContain('line 1: the file holds binary data (a NUL character), not CSV text');
    await nothingWritten();
  });
});

describe('license-bot', () => {
  it('prints usage for --help', async () => {
    const result = await cli('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: license-bot [command]');
    expect(result.stdout).toContain('import learners FILE.csv');
  });

  it('exits with code 1 and a plain message on invalid configuration', async () => {
    const out = { stderr: '' };
    const stderr = new Writable({
      write(chunk: Buffer, _encoding, done) {
        out.stderr += chunk.toString();
        done();
      },
    });
    const code = await runCli(['doctor'], {
      stdout: new Writable({ write: (_c, _e, done) => done() }),
      stderr,
      env: { MONGODB_URI: 'http://db.example.com' },
    });
    expect(code).toBe(1);
    expect(out.stderr).toBe(
      'Invalid configuration:\n  - MONGODB_URI must start with mongodb:// or mongodb+srv://\nSee .env.example for every variable.\n',
    );
  });

  it('exits with code 1 and a plain message for a missing file or an unknown command', async () => {
    const missing = await cli('import', 'learners', path.join(dir, 'nope.csv'));
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe(`Cannot read ${path.join(dir, 'nope.csv')}: no such file, or not readable.\n`);
    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^Unknown command "frobnicate"\./);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
  });
});
