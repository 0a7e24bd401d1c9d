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

  it('bring names and emails stored before normalisation to their one form, leaving a learner whose form is taken as it was', async () => {
    const { Learner } = modelsFor(db.connection);
    const stored = (email: string, name: string) => ({
      email,
      name,
      searchKeys: [],
      groups: [],
      status: 'active',
      licenseTypes: [],
      version: 0,
      recentOps: [],
    });
    // "zoë" with the diaeresis as a combining mark (NFD), as an old import may have stored it.
    const decomposed = 'zoe\u0308@example.com';
    await Learner.collection.insertMany([
      stored(decomposed, 'Zoe\u0308 Kravitz'),
      // Two records of one person: the normalised one already exists, so the other cannot take its email.
      stored('rene\u0301@example.com', 'Rene\u0301 Dupont'),
      stored('rené@example.com', 'René Dupont'),
    ]);

    const { store } = await openRepositories(db.connection);

    const zoe = await store.findLearnerByEmail('zoë@example.com');
    expect(zoe).toMatchObject({ email: 'zoë@example.com', name: 'Zoë Kravitz' });
    expect(await Learner.countDocuments({ email: decomposed })).toBe(0);
    expect((await searchLearners({ store }, 'zoë')).map((l) => l.email)).toEqual(['zoë@example.com']);
    // The colliding one keeps its email (nothing merged, nothing lost) and is still found.
    expect(await Learner.countDocuments({ email: 'rene\u0301@example.com' })).toBe(1);
    expect(await Learner.countDocuments({ email: 'rené@example.com' })).toBe(1);
    expect(await Learner.countDocuments({ searchVersion: SEARCH_KEYS_VERSION })).toBe(3);
  });
});
