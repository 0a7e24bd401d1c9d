import { modelsFor } from '../../src/db/models/index.js';
import { createReclaimCount } from '../../src/licensing/home/reclaim-count.js';
import { openTestDatabase } from '../support/database.js';
import { givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { testClock } from '../support/schedule-fixtures.js';
import { reclaimDeps, reclaimSettings } from '../support/undo-fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
const DAY = 86_400_000;
const MINUTE = 60_000;
const T0 = new Date('2026-06-01T09:00:00Z');

beforeEach(async () => {
  db = await openTestDatabase();
  await givenLicenseTypes(db, [{ key: 'pro', name: 'Learning Pro', capacity: 100 }]);
  await givenLearners(db, [
    { email: 'active@example.com', name: 'Active One', licenseTypes: ['pro'] },
    { email: 'idle@example.com', name: 'Idle One', licenseTypes: ['pro'] },
    { email: 'never@example.com', name: 'Never Started', licenseTypes: ['pro'] },
  ]);
  await setLastActive('active@example.com', 3);
  await setLastActive('idle@example.com', 90);
  await db.repositories.usage.startUsageImport({
    id: 'u1',
    fileName: 'summary.csv',
    format: 'linkedin_learner_summary',
    importedAt: T0,
    importedBy: 'cli',
    source: 'cli',
    periodEnd: T0,
    rows: 3,
    learners: 3,
    matched: 2,
    unknownEmails: 0,
    status: 'completed',
  });
});
afterEach(async () => {
  await db.drop();
});

async function setLastActive(email: string, daysAgo: number) {
  const { Learner } = modelsFor(db.connection);
  const lastActiveAt = new Date(T0.getTime() - daysAgo * DAY);
  await Learner.updateOne({ email }, { $set: { usage: { lastActiveAt, hoursViewed: 1, periodEnd: T0, importId: 'u1', importedAt: T0 } } });
}

function counter() {
  const clock = testClock(T0);
  const errors: unknown[] = [];
  const deps = reclaimDeps(db, { now: clock.now, reclaimSettings: reclaimSettings({ seatPrices: new Map([['pro', 420]]) }) });
  const count = createReclaimCount(deps, { maxAgeMs: 5 * MINUTE, minIntervalMs: MINUTE, onError: (error) => errors.push(error) });
  return { clock, count, errors, deps };
}

describe('the App Home’s count of idle seats', () => {
  it('starts counting on the first Home and has the summary once counted', async () => {
    const { count } = counter();

    expect(count.current()).toEqual({ summary: null, counting: true });
    expect(await count.settled()).toBe(true);

    const now = count.current();
    expect(now.counting).toBe(false);
    expect(now.countedAt).toEqual(T0);
    expect(now.summary?.types.map((t) => [t.type.key, t.idle, t.neverStarted, t.yearlyCost])).toEqual([['pro', 2, 1, 840]]);
  });

  it('shows the same count until it is five minutes old, then the old one while counting again', async () => {
    const { clock, count } = counter();
    count.current();
    await count.settled();
    await setLastActive('idle@example.com', 1);

    clock.advance(5 * MINUTE - 1);
    expect(count.current()).toMatchObject({ counting: false, countedAt: T0 });
    expect(await count.settled()).toBe(false);

    clock.advance(1);
    const stale = count.current();
    expect(stale).toMatchObject({ counting: true, countedAt: T0 });
    expect(stale.summary?.seats).toBe(2);
    expect(await count.settled()).toBe(true);
    expect(count.current().summary?.seats).toBe(1);
  });

  it('counts again after a change only once the count is a minute old, and at once when usage came in', async () => {
    const { clock, count } = counter();
    count.current();
    await count.settled();

    count.changed();
    clock.advance(MINUTE - 1);
    expect(count.current().counting).toBe(false);
    clock.advance(1);
    expect(count.current().counting).toBe(true);
    await count.settled();

    // A usage import does not wait for the minute.
    clock.advance(1_000);
    count.changed({ now: true });
    expect(count.current().counting).toBe(true);
    await count.settled();
    expect(count.current()).toMatchObject({ counting: false, countedAt: new Date(T0.getTime() + MINUTE + 1_000) });
  });

  it('keeps the last count when counting fails, says why, and tries again no sooner than a minute later', async () => {
    const { clock, deps } = counter();
    let failing = true;
    const errors: unknown[] = [];
    const count = createReclaimCount(
      {
        ...deps,
        store: {
          ...deps.store,
          listLicenseTypes: () => (failing ? Promise.reject(new Error('database unavailable')) : deps.store.listLicenseTypes()),
        },
      },
      { minIntervalMs: MINUTE, onError: (error) => errors.push(error) },
    );

    expect(count.current()).toEqual({ summary: null, counting: true });
    expect(await count.settled()).toBe(false);
    expect(errors).toHaveLength(1);
    expect(count.current()).toEqual({ summary: null, counting: false });

    failing = false;
    clock.advance(MINUTE);
    expect(count.current().counting).toBe(true);
    expect(await count.settled()).toBe(true);
    expect(count.current().summary?.seats).toBe(2);
  });
});
