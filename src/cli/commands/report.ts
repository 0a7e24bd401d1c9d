import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { loadReclaimConfig } from '../../config.js';
import { spreadsheetSafe } from '../../licensing/report/csv-cells.js';
import { buildSeatReport, seatReportRows } from '../../licensing/report/seat-report.js';
import { createPngChartRenderer } from '../../outbound/chart/png-chart-renderer.js';
import { CliError, type CliIo, say, withDatabase } from '../context.js';

/** `report [--days N] [--out DIR]`: the seat report's chart (PNG) and numbers (CSV), written to files. */
export async function runReport(io: CliIo, options: { days?: string; out?: string }): Promise<number> {
  const days = options.days === undefined ? 90 : Number(options.days);
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new CliError('--days must be a whole number from 1 to 366.');
  const prices = loadReclaimConfig(io.env).seatPrices;
  const dir = options.out ?? '.';
  return withDatabase(io, async (ctx) => {
    const { store, bulk, reclaim, report } = ctx.repositories;
    const built = await buildSeatReport({ store, bulk, reclaim, report, seatPrices: prices, now: ctx.now }, { days });
    const chart = await createPngChartRenderer().renderSeatChart(built);
    const stamp = built.days[built.days.length - 1] ?? 'today';
    await mkdir(dir, { recursive: true });
    const png = path.join(dir, `seat-report-${stamp}.png`);
    const csv = path.join(dir, `seat-report-${stamp}.csv`);
    await writeFile(png, chart.png);
    await writeFile(csv, stringify(seatReportRows(built).map((row) => row.map(spreadsheetSafe))));
    say(io.stdout, `Wrote ${png} (${chart.width}×${chart.height}) and ${csv}.`);
    return 0;
  });
}
