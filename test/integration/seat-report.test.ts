import { modelsFor } from '../../src/db/models/index.js';
import { applyLicenseSets } from '../../src/licensing/operations.js';
import { buildSeatReport, seatReportRows } from '../../src/licensing/report/seat-report.js';
import { createPngChartRenderer } from '../../src/outbound/chart/png-chart-renderer.js';
import { openTestDatabase } from '../support/database.js';
import { givenLearners, givenLicenseTypes } from '../support/fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
const DAY = 86_400_000;
const TODAY = new Date('2026-06-30T15:00:00Z');
const actor = { userId: 'UADMIN1', source: 'slack' as const };

beforeEach(async () => {
  db = await openTestDatabase();
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 10 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
});
afterEach(async () => {
  await db.drop();
});

/** Sets each learner's licenses through the engine at `at`, so history has real rows. */
async function setAt(at: Date, ids: string[], next: string[], tag: string) {
  const learners = await db.repositories.store.findLearnersByIds(ids);
  const counter = { n: 0 };
  await applyLicenseSets(
    db.repositories.store,
    learners.map((l) => ({ learnerId: l.id, email: l.email, version: l.version, prev: l.licenseTypes, next })),
    { nextOpId: () => `${tag}:${++counter.n}`, actor, reason: tag, sync: false, owner: 'test', now: () => at },
  );
}

function reportDeps(now: Date) {
  const { store, bulk, reclaim, report } = db.repositories;
  return { store, bulk, reclaim, report, seatPrices: new Map([['pro', 420]]), now: () => now };
}

describe('the seat report', () => {
  it('counts seats in use per day from the history, and its CSV adds up to the history', async () => {
    const ids = await givenLearners(
      db,
      Array.from({ length: 6 }, (_, i) => ({ email: `l${i}@example.com`, name: `Learner ${i}`, groups: [i < 4 ? 'Sales' : 'Support'] })),
    );
    await setAt(new Date(TODAY.getTime() - 10 * DAY), ids.slice(0, 5), ['pro'], 'grant');
    await setAt(new Date(TODAY.getTime() - 5 * DAY), ids.slice(0, 2), [], 'revoke');
    await setAt(new Date(TODAY.getTime() - 2 * DAY), ids.slice(5, 6), ['core'], 'core');
    await setAt(new Date(TODAY.getTime() - 3_600_000), ids.slice(0, 1), ['pro'], 'again');

    const report = await buildSeatReport(reportDeps(TODAY), { days: 14 });
    expect(report.days).toHaveLength(14);
    expect(report.days[13]).toBe('2026-06-30');
    const pro = report.types.find((t) => t.key === 'pro');
    // Days -13…-11: none; -10…-6: 5; -5…-1: 3; today: 4.
    expect(pro?.inUse).toEqual([0, 0, 0, 5, 5, 5, 5, 5, 3, 3, 3, 3, 3, 4]);
    expect(pro?.capacity).toBe(10);
    expect(report.types.find((t) => t.key === 'core')?.inUse.slice(-3)).toEqual([1, 1, 1]);
    expect(report.topGroups).toEqual([
      { group: 'Sales', holders: 3 },
      { group: 'Support', holders: 2 },
    ]);

    // The CSV's in-use rows, checked against the history rows directly.
    const rows = seatReportRows(report);
    expect(rows[0]).toEqual(['metric', 'date', 'subject', 'value']);
    const { Assignment, LicenseType } = modelsFor(db.connection);
    const history = await Assignment.find({}).lean();
    for (const [metric, date, subject, value] of rows.slice(1)) {
      if (metric !== 'in_use') continue;
      const end = date === '2026-06-30' ? TODAY.getTime() : Date.parse(`${date}T00:00:00Z`) + DAY;
      const open = history.filter(
        (r) => r.licenseType === subject && r.assignedAt.getTime() <= end && (r.revokedAt === null || r.revokedAt.getTime() > end),
      );
      expect([date, subject, Number(value)]).toEqual([date, subject, open.length]);
    }
    // Today equals the seats in use.
    for (const type of await LicenseType.find({}).lean())
      expect(Number(rows.find((r) => r[0] === 'in_use' && r[1] === '2026-06-30' && r[2] === type.key)?.[3])).toBe(type.seatsInUse);
  });

  it('renders a valid PNG of 1200 × 600 pixels', async () => {
    const ids = await givenLearners(db, [{ email: 'a@example.com', name: 'A' }]);
    await setAt(new Date(TODAY.getTime() - 3 * DAY), ids, ['pro'], 'grant');
    const report = await buildSeatReport(reportDeps(TODAY), { days: 90 });
    const { png, width, height } = await createPngChartRenderer().renderSeatChart(report);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 600]);
    expect([width, height]).toEqual([1200, 600]);
    expect(png.subarray(png.length - 8, png.length - 4).toString('ascii')).toBe('IEND');
    // A chart, not a blank page: the image holds far more than a white rectangle would compress to.
    expect(png.length).toBeGreaterThan(10_000);
  });
});
