import { modelsFor } from '../../src/db/models/index.js';
import { LicenseError } from '../../src/licensing/errors.js';
import { importLearners } from '../../src/licensing/transfer/learner-import.js';
import { importLicenseTypes } from '../../src/licensing/transfer/license-type-import.js';
import type { ImportDeps, ImportStore } from '../../src/licensing/transfer/ports.js';
import { ImportInterrupted, rowsFrom } from '../../src/licensing/transfer/table.js';
import { openTestDatabase } from '../support/database.js';
import { expectSeatInvariant, givenLicenseTypes } from '../support/fixtures.js';

/**
 * "If anything is wrong, nothing is written" for the failures the check cannot see: the database
 * going away or refusing a value half-way. The import says how far it got, and the same import run
 * again finishes it.
 */
type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
let runs = 0;

beforeEach(async () => {
  db = await openTestDatabase();
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 3_000 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
});
afterEach(async () => {
  await db.drop();
});

/** The CLI's import context over the test database, with the learner store's writes possibly failing. */
function importDeps(imports: ImportStore = db.repositories.imports): ImportDeps {
  return {
    store: db.repositories.store,
    imports,
    owner: `test-${process.pid}`,
    now: () => new Date(),
    newRunId: () => {
      runs += 1;
      return `run${runs}`;
    },
  };
}

/** Fails the `failOn`-th profile save with `error`, and every later one too (the database stays away). */
function failingSaves(failOn: number, error: Error): ImportStore {
  const real = db.repositories.imports;
  let calls = 0;
  return {
    ...real,
    async saveLearnerProfiles(profiles, mark) {
      calls += 1;
      if (calls >= failOn) throw error;
      return real.saveLearnerProfiles(profiles, mark);
    },
  };
}

const file = (count: number) =>
  rowsFrom(function* () {
    yield ['email', 'name', 'group', 'licenseType', 'status'];
    for (let i = 0; i < count; i += 1) yield [`learner${i}@example.com`, `Learner ${i}`, 'Sales', i % 2 ? 'pro' : 'core', 'active'];
  });
const options = { actor: { userId: 'cli:import', source: 'import' as const }, reason: 'import of people.csv' };

async function expectAsInFile(count: number): Promise<void> {
  const { Learner } = modelsFor(db.connection);
  expect(await Learner.countDocuments({})).toBe(count);
  expect(await Learner.countDocuments({ licenseTypes: ['pro'] })).toBe(Math.floor(count / 2));
  expect(await Learner.countDocuments({ licenseTypes: ['core'] })).toBe(Math.ceil(count / 2));
  await expectSeatInvariant(db);
}

describe('an import whose writes fail half-way', () => {
  it('says how many learners were written when the database goes away, and the same import finishes it', async () => {
    const error = await importLearners(importDeps(failingSaves(3, new LicenseError('database_unavailable'))), file(3_000), options).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportInterrupted);
    expect((error as Error).message).toBe(
      '2,000 of 3,000 learners written before the import stopped (the database became unreachable); run the same import again to finish — it is safe to repeat.',
    );
    expect((error as Error).message).not.toMatch(/Nothing was/);
    expect(await modelsFor(db.connection).Learner.countDocuments({})).toBe(2_000);

    const summary = await importLearners(importDeps(), file(3_000), options);
    expect(summary).toMatchObject({ rows: 3_000, created: 1_000, failed: [] });
    await expectAsInFile(3_000);
  });

  it('says so when the database refuses a value, without claiming that nothing changed', async () => {
    const refusal = Object.assign(new Error('E11000 duplicate key error collection: test.learners index: email_1'), {
      name: 'MongoBulkWriteError',
    });
    const error = await importLearners(importDeps(failingSaves(2, refusal)), file(1_500), options).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      '1,000 of 1,500 learners written before the import stopped (the database refused a write: "E11000 duplicate key error collection: test.learners index: email_1"); run the same import again to finish — it is safe to repeat.',
    );
    await importLearners(importDeps(), file(1_500), options);
    await expectAsInFile(1_500);
  });

  it('says nothing was imported only when nothing was', async () => {
    const { Learner } = modelsFor(db.connection);
    const failing: ImportStore = {
      ...db.repositories.imports,
      async findLearnersByEmails() {
        throw new LicenseError('database_unavailable');
      },
    };
    // The check reads the learners too: the database going away then is the check's failure.
    await expect(importLearners(importDeps(failing), file(10), options)).rejects.toThrow('The license database is unreachable right now.');
    expect(await Learner.countDocuments({})).toBe(0);
  });

  it('says how many license types were written when the database goes away', async () => {
    const real = db.repositories.imports;
    let calls = 0;
    const failing: ImportStore = {
      ...real,
      async saveLicenseType(type) {
        calls += 1;
        if (calls === 2) throw new LicenseError('database_unavailable');
        return real.saveLicenseType(type);
      },
    };
    const types = rowsFrom(() => [
      ['key', 'name', 'seats'],
      ['a', 'A', '1'],
      ['b', 'B', '2'],
      ['c', 'C', ''],
    ]);
    await expect(importLicenseTypes({ store: db.repositories.store, imports: failing }, types)).rejects.toThrow(
      '1 of 3 license types written before the import stopped (the database became unreachable); run the same import again to finish — it is safe to repeat.',
    );
  });
});

describe('two imports of the same file at once', () => {
  it('end as the file says, with every learner created and changed once and no failure reported', async () => {
    const [first, second] = await Promise.all([
      importLearners(importDeps(), file(2_500), options),
      importLearners(importDeps(), file(2_500), options),
    ]);
    await expectAsInFile(2_500);
    expect(first.failed).toEqual([]);
    expect(second.failed).toEqual([]);
    expect(first.created + second.created).toBe(2_500);
    expect(first.licensesChanged + second.licensesChanged).toBe(2_500);
    const { Assignment } = modelsFor(db.connection);
    expect(await Assignment.countDocuments({})).toBe(2_500);
  });
});
