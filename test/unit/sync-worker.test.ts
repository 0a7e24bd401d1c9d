import { nextAttemptAt, syncFileName } from '../../src/licensing/sync/worker.js';

describe('Org Sync file names', () => {
  it('gives two files delivered at the same instant different names', () => {
    const now = new Date('2026-12-04T22:10:05.123Z');
    const names = new Set(Array.from({ length: 50 }, () => syncFileName(now)));
    expect(names.size).toBe(50);
  });

  it('names a file by its UTC time to the millisecond, so names sort in delivery order', () => {
    const earlier = syncFileName(new Date('2026-12-04T22:10:05.123Z'));
    const later = syncFileName(new Date('2026-12-04T22:10:05.124Z'));
    expect(earlier).toMatch(/^users-20261204T221005123Z-[0-9a-f]{6}\.csv$/);
    expect([later, earlier].sort()).toEqual([earlier, later]);
  });
});

describe('when a learner that failed is tried again', () => {
  const now = new Date('2026-12-04T00:00:00Z');
  const waitMs = (attempts: number, retryAfterMs?: number) =>
    nextAttemptAt(now, attempts, retryAfterMs, () => 0.5).getTime() - now.getTime();

  it('doubles the wait with every attempt, up to five minutes', () => {
    expect([0, 1, 2, 3].map((a) => waitMs(a))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(waitMs(30)).toBe(300_000);
  });

  it('never comes back before the Retry-After the platform asked for', () => {
    expect(waitMs(0, 60_000)).toBe(60_000);
  });
});
