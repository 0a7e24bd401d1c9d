import { openRepositories } from '../../src/db/index.js';
import { modelsFor } from '../../src/db/models/index.js';
import { SEARCH_KEYS_VERSION } from '../../src/licensing/model.js';
import { searchLearners } from '../../src/licensing/single/directory.js';
import { openTestDatabase } from '../support/database.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;

beforeEach(async () => {
  db = await openTestDatabase();
});
afterEach(async () => {
  await db.drop();
});

describe('search keys of learners stored before they changed', () => {
  it('are rebuilt when the bot starts, so those learners are found like new ones', async () => {
    const { Learner } = modelsFor(db.connection);
    // As the previous version stored them: no version, punctuation split, accents kept.
    await Learner.collection.insertMany([
      {
        email: 'conan@example.com',
        name: "Conan O'Brien",
        searchKeys: ['conan', 'o', 'brien', 'conan@example.com'],
        groups: [],
        status: 'active',
        licenseTypes: [],
        version: 0,
        recentOps: [],
      },
      {
        email: 'zk@example.com',
        name: 'Zoë Kravitz',
        searchKeys: ['zoë', 'kravitz', 'zk@example.com', 'zk'],
        groups: [],
        status: 'active',
        licenseTypes: [],
        version: 0,
        recentOps: [],
      },
    ]);
    const before = { store: db.repositories.store };
    expect(await searchLearners(before, "O'Brien")).toEqual([]);

    const started = { store: (await openRepositories(db.connection)).store };
    expect((await searchLearners(started, "O'Brien")).map((l) => l.name)).toEqual(["Conan O'Brien"]);
    expect((await searchLearners(started, 'zoe')).map((l) => l.name)).toEqual(['Zoë Kravitz']);
    expect(await Learner.countDocuments({ searchVersion: SEARCH_KEYS_VERSION })).toBe(2);
  });
});
