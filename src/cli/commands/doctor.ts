import { type CliIo, formatCount as n, say, withDatabase } from '../context.js';

/** `doctor`: seats in use next to the learners holding each type (read-only); exit code 1 if they differ. */
export async function runDoctor(io: CliIo): Promise<number> {
  return withDatabase(io, async (ctx) => {
    const types = await ctx.store.listLicenseTypes();
    if (types.length === 0) {
      say(io.stdout, 'No license types yet. Import some with `license-bot import license-types FILE.csv`.');
      return 0;
    }
    const header = ['type', 'name', 'seats', 'in use', 'holders', ''];
    const rows = [header];
    let mismatched = 0;
    for (const type of types) {
      const holders = await ctx.store.countHolders(type.key);
      const ok = holders === type.seatsInUse && (type.capacity === null || type.seatsInUse <= type.capacity);
      if (!ok) mismatched += 1;
      rows.push([
        type.key,
        type.name,
        type.capacity === null ? 'unlimited' : n(type.capacity),
        n(type.seatsInUse),
        n(holders),
        ok ? 'ok' : 'MISMATCH',
      ]);
    }
    const widths = header.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
    for (const row of rows)
      say(
        io.stdout,
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      );
    if (mismatched === 0) return 0;
    // A change in flight holds reserved seats for a moment, so one mismatch is not yet a fault.
    say(
      io.stderr,
      `${mismatched} license type${mismatched === 1 ? '' : 's'} with seats in use different from holders. If this persists for more than a minute, an operation was interrupted: start \`license-bot serve\` (it finishes interrupted operations) and run doctor again.`,
    );
    return 1;
  });
}
