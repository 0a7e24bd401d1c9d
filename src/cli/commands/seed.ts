import { importLearners } from '../../licensing/transfer/learner-import.js';
import { importLicenseTypes } from '../../licensing/transfer/license-type-import.js';
import { rowsFrom } from '../../licensing/transfer/table.js';
import { CliError, type CliIo, withDatabase } from '../context.js';
import { DEFAULT_DEMO_LEARNERS, demoLearnerRows, demoLicenseTypeRows } from '../demo-data.js';
import { progressTo, reportLearners, reportLicenseTypes } from './import.js';

const MAX_DEMO_LEARNERS = 1_000_000;

/** `seed --demo [--learners N]`: deterministic demo data, through the import path (so reruns change nothing). */
export async function runSeed(io: CliIo, options: { demo?: boolean; learners?: string }): Promise<number> {
  if (!options.demo) throw new CliError('Usage: license-bot seed --demo [--learners N]  (only demo data can be seeded)');
  const learners = options.learners === undefined ? DEFAULT_DEMO_LEARNERS : Number(options.learners);
  if (!Number.isSafeInteger(learners) || learners < 0 || learners > MAX_DEMO_LEARNERS || !/^\d+$/.test(options.learners ?? '0')) {
    throw new CliError(`--learners must be a whole number from 0 to ${MAX_DEMO_LEARNERS.toLocaleString('en-US')}.`);
  }
  return withDatabase(io, async (ctx) => {
    if (reportLicenseTypes(io, 'demo data', await importLicenseTypes(ctx, rowsFrom(demoLicenseTypeRows))) !== 0) return 1;
    const summary = await importLearners(
      ctx,
      rowsFrom(() => demoLearnerRows(learners)),
      {
        actor: { userId: 'cli:seed', source: 'import' },
        reason: 'demo data',
        onProgress: progressTo(io),
      },
    );
    return reportLearners(io, `Seeded ${summary.rows.toLocaleString('en-US')} demo learners`, summary);
  });
}
