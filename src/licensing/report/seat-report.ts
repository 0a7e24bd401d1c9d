import type { ReportDeps } from './ports.js';

const DAY_MS = 86_400_000;

/** Seat use per type over a window of days, reclaimed seats and their value, and the top groups. */
export interface SeatReport {
  generatedAt: Date;
  from: Date;
  /** UTC days, oldest first (YYYY-MM-DD); each value is as of the end of that day (today: now). */
  days: string[];
  types: { key: string; name: string; capacity: number | null; inUse: number[] }[];
  reclaimed: { key: string; name: string; seats: number; price: number | null; value: number | null }[];
  topGroups: { group: string; holders: number }[];
}

/**
 * Builds the seat report from the history: a seat is in use at the end of a day when its
 * assignment opened by then and was not closed by then. The last day is today, up to now, so it
 * equals the seats in use. Capacity is today's (capacity changes are not kept as history).
 */
export async function buildSeatReport(deps: ReportDeps, options: { days?: number } = {}): Promise<SeatReport> {
  const now = deps.now();
  const dayCount = Math.max(1, Math.min(366, options.days ?? 90));
  const todayStart = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const firstStart = todayStart - (dayCount - 1) * DAY_MS;
  const from = new Date(firstStart);
  // End of day i: the next midnight, except today, which ends now.
  const endOf = (i: number) => (i === dayCount - 1 ? now.getTime() : firstStart + (i + 1) * DAY_MS);
  // First day whose end is at or after t (a row opened at t counts from that day on).
  const firstDayEndingAtOrAfter = (t: number) => {
    if (t > now.getTime()) return dayCount;
    const i = Math.max(0, Math.ceil((t - firstStart) / DAY_MS) - 1);
    return endOf(i) >= t ? i : i + 1;
  };

  const types = await deps.store.listLicenseTypes();
  const deltas = new Map<string, number[]>(types.map((t) => [t.key, new Array<number>(dayCount + 1).fill(0)]));
  for await (const row of deps.report.assignmentsOpenSince(
    from,
    types.map((t) => t.key),
  )) {
    const delta = deltas.get(row.licenseType);
    if (!delta) continue;
    const start = firstDayEndingAtOrAfter(row.assignedAt.getTime());
    // In use at the end of day i while revokedAt > end(i): up to the first day ending at or after it.
    const stop = row.revokedAt ? firstDayEndingAtOrAfter(row.revokedAt.getTime()) : dayCount;
    if (start >= stop) continue;
    delta[start]! += 1;
    delta[stop]! -= 1;
  }
  const names = new Map(types.map((t) => [t.key, t]));
  const series = [...deltas.entries()]
    .map(([key, delta]) => {
      const inUse: number[] = [];
      let running = 0;
      for (let i = 0; i < dayCount; i += 1) {
        running += delta[i]!;
        inUse.push(running);
      }
      const type = names.get(key);
      return { key, name: type?.name ?? key, capacity: type?.capacity ?? null, inUse };
    })
    .sort((a, b) => a.key.localeCompare(b.key));

  const [jobs, released, topGroups] = await Promise.all([
    deps.bulk.reclaimJobsFinishedSince(from, 1_000),
    deps.reclaim.releasedSince(from),
    deps.report.topGroups(10),
  ]);
  const reclaimedSeats = new Map(released);
  for (const job of jobs)
    if (job.reclaim) reclaimedSeats.set(job.reclaim.type, (reclaimedSeats.get(job.reclaim.type) ?? 0) + job.progress.done);
  const reclaimed = [...reclaimedSeats.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, seats]) => {
      const price = deps.seatPrices.get(key) ?? null;
      return { key, name: names.get(key)?.name ?? key, seats, price, value: price === null ? null : seats * price };
    });
  const days = Array.from({ length: dayCount }, (_, i) => new Date(firstStart + i * DAY_MS).toISOString().slice(0, 10));
  return { generatedAt: now, from, days, types: series, reclaimed, topGroups };
}

/** The report's numbers as rows (header first): one metric per row, so a spreadsheet can pivot them. */
export function seatReportRows(report: SeatReport): string[][] {
  const rows: string[][] = [['metric', 'date', 'subject', 'value']];
  for (const type of report.types) {
    report.days.forEach((day, i) => {
      rows.push(['in_use', day, type.key, String(type.inUse[i] ?? 0)]);
      if (type.capacity !== null) rows.push(['capacity', day, type.key, String(type.capacity)]);
    });
  }
  for (const r of report.reclaimed) {
    rows.push(['reclaimed_seats', '', r.key, String(r.seats)]);
    if (r.value !== null) rows.push(['reclaimed_value_yearly', '', r.key, String(r.value)]);
  }
  for (const g of report.topGroups) rows.push(['group_holders', '', g.group, String(g.holders)]);
  return rows;
}
