import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/run.js';
import { modelsFor } from '../../src/db/models/index.js';
import { openTestDatabase } from '../support/database.js';
import { expectSeatInvariant } from '../support/fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;

beforeEach(async () => {
  db = await openTestDatabase();
});
afterEach(async () => {
  await db.drop();
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

const demoGroups = new Set(['Sales', 'Engineering', 'Support', 'Marketing', 'Product', 'Operations', 'Finance', 'HR', 'Legal', 'Design']);

describe('license-bot seed --demo', () => {
  it('loads the demo license types and 3,000 learners, most licensed, with the seat invariant holding', async () => {
    const result = await cli('seed', '--demo');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(
      /^Imported 3 license types from demo data: 3 created, 0 updated, 0 unchanged\.\nSeeded 3,000 demo learners: 3,000 created, 0 updated, 0 unchanged; licenses changed for [\d,]+\.\n$/,
    );

    const { LicenseType, Learner, Assignment } = modelsFor(db.connection);
    const types = await LicenseType.find({}, { _id: 0, key: 1, name: 1, capacity: 1 }).sort({ key: 1 }).lean();
    expect(types).toEqual([
      { key: 'coaching', name: 'Coaching', capacity: 150 },
      { key: 'core', name: 'Learning Core', capacity: null },
      { key: 'pro', name: 'Learning Pro', capacity: 2500 },
    ]);
    expect(await Learner.countDocuments()).toBe(3000);
    expect(await Learner.countDocuments({ email: { $not: /@example\.com$/ } })).toBe(0);
    const deactivated = await Learner.countDocuments({ status: 'deactivated' });
    expect(deactivated).toBeGreaterThan(50);
    expect(await Learner.countDocuments({ status: 'deactivated', 'licenseTypes.0': { $exists: true } })).toBe(0);
    const licensed = await Learner.countDocuments({ 'licenseTypes.0': { $exists: true } });
    expect(licensed).toBeGreaterThan(1500);
    for (const key of ['pro', 'core', 'coaching']) expect(await Learner.countDocuments({ licenseTypes: key })).toBeGreaterThan(0);
    expect(new Set(await Learner.distinct('groups'))).toEqual(demoGroups);
    expect(await Learner.countDocuments({ 'groups.1': { $exists: true } })).toBeGreaterThan(0);

    expect(await Assignment.countDocuments({ source: 'import', actor: 'cli:seed', revokedAt: null })).toBe(licensed);
    expect(await Assignment.countDocuments({ source: { $ne: 'import' } })).toBe(0);
    await expectSeatInvariant(db);
  });

  it('changes nothing when run again with the same count, and only adds when the count grows', async () => {
    expect((await cli('seed', '--demo', '--learners', '300')).code).toBe(0);
    const { Learner, Assignment, Operation } = modelsFor(db.connection);
    const before = await Learner.find({}).sort({ email: 1 }).lean();
    const history = await Assignment.countDocuments();
    const operations = await Operation.countDocuments();

    const again = await cli('seed', '--demo', '--learners', '300');
    expect(again.stdout).toContain('Seeded 300 demo learners: 0 created, 0 updated, 300 unchanged; licenses changed for 0.');
    expect(await Learner.find({}).sort({ email: 1 }).lean()).toEqual(before);
    expect(await Assignment.countDocuments()).toBe(history);
    expect(await Operation.countDocuments()).toBe(operations);

    const more = await cli('seed', '--demo', '--learners', '400');
    expect(more.stdout).toContain('Seeded 400 demo learners: 100 created, 0 updated, 300 unchanged;');
    expect(await Learner.countDocuments()).toBe(400);
    await expectSeatInvariant(db);
  });

  it('refuses to seed without --demo or with a bad --learners count', async () => {
    expect(await cli('seed')).toMatchObject({
      code: 1,
      stderr: 'Usage: license-bot seed --demo [--learners N]  (only demo data can be seeded)\n',
    });
    expect(await cli('seed', '--demo', '--learners', 'lots')).toMatchObject({
      code: 1,
      stderr: '--learners must be a whole number from 0 to 1,000,000.\n',
    });
    expect(await modelsFor(db.connection).LicenseType.countDocuments()).toBe(0);
  });
});

describe('license-bot doctor', () => {
  it('prints seats in use next to holders per type and exits 0 when they agree', async () => {
    expect((await cli('seed', '--demo', '--learners', '50')).code).toBe(0);
    const result = await cli('doctor');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^type\s+name\s+seats\s+in use\s+holders$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/)[0])).toEqual(['coaching', 'core', 'pro']);
    for (const line of lines.slice(1)) {
      const cells = line.split(/\s{2,}/);
      expect(cells[3]).toBe(cells[4]);
      expect(cells[5]).toBe('ok');
    }
  });

  it('exits 1 and says so when seats in use differ from holders', async () => {
    expect((await cli('seed', '--demo', '--learners', '50')).code).toBe(0);
    await modelsFor(db.connection).LicenseType.updateOne({ key: 'pro' }, { $inc: { seatsInUse: 3 } });
    const result = await cli('doctor');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^pro .*MISMATCH$/m);
    expect(result.stderr).toMatch(/^1 license type with seats in use different from holders/);
  });
});
