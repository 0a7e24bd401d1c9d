import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import { csvFileRows } from '../../csv.js';
import { type ErrorCode, errorMessages } from '../../licensing/errors.js';
import { importLearners, type LearnerImportSummary } from '../../licensing/transfer/learner-import.js';
import { importLicenseTypes, type LicenseTypeImportSummary } from '../../licensing/transfer/license-type-import.js';
import { parseActivityDate } from '../../licensing/usage/usage-format.js';
import { importUsage } from '../../licensing/usage/usage-import.js';
import { CliError, type CliIo, formatCount as n, say, withDatabase } from '../context.js';

/** `import license-types FILE` and `import learners FILE`. */
export async function runImport(
  io: CliIo,
  what: string | undefined,
  file: string | undefined,
  options: { sync?: boolean; asOf?: string } = {},
): Promise<number> {
  if ((what !== 'license-types' && what !== 'learners' && what !== 'usage') || !file) {
    throw new CliError(
      'Usage: license-bot import license-types FILE.csv | license-bot import learners FILE.csv | license-bot import usage FILE.csv',
    );
  }
  const periodEnd = options.asOf === undefined ? undefined : parseActivityDate(options.asOf);
  if (periodEnd === null || (options.asOf !== undefined && periodEnd === undefined))
    throw new CliError(`--as-of must be a date such as 2026-03-31, not "${options.asOf}".`);
  await checkReadableFile(file);
  const name = path.basename(file);
  let told = false;
  const rows = csvFileRows(file, {
    onEncoding: (encoding) => {
      // Both passes read the file; say it once.
      if (encoding === 'utf-8' || told) return;
      told = true;
      say(
        io.stderr,
        `${name} is ${encoding === 'utf-16le' ? 'UTF-16 (little-endian)' : 'UTF-16 (big-endian)'} text with a byte order mark; reading it as such.`,
      );
    },
  });
  return withDatabase(io, async (ctx) => {
    if (what === 'license-types') return reportLicenseTypes(io, name, await importLicenseTypes(ctx, rows));
    if (what === 'usage') {
      const summary = await importUsage(
        { usage: ctx.repositories.usage, now: ctx.now, newRunId: ctx.newRunId },
        { rows, fileName: name },
        { actor: { userId: 'cli:import', source: 'import' }, ...(periodEnd ? { periodEnd } : {}) },
      );
      say(
        io.stdout,
        `Imported usage from ${name} (${summary.format}): ${n(summary.rows)} rows, ${n(summary.learners)} learners in the file, ${n(summary.matched)} updated, ${n(summary.active)} active in the period.`,
      );
      if (summary.unknownEmails.length)
        say(
          io.stderr,
          `${n(summary.unknownEmails.length)} emails are not learners here and were skipped: ${summary.unknownEmails.slice(0, 20).join(', ')}${summary.unknownEmails.length > 20 ? ', …' : ''}`,
        );
      if (summary.ignoredColumns.length) say(io.stdout, `Columns not used: ${summary.ignoredColumns.join(', ')}.`);
      return 0;
    }
    const summary = await importLearners(ctx, rows, {
      actor: { userId: 'cli:import', source: 'import' },
      reason: `import of ${name}`,
      ...(options.sync ? { sync: true } : {}),
      onProgress: progressTo(io),
    });
    return reportLearners(io, `Imported ${n(summary.rows)} learners from ${name}`, summary);
  });
}

/**
 * A file the import can read twice (once to check it, once to write): a regular, readable file.
 * A folder, a device such as /dev/zero or a pipe gets a sentence instead of a hang or a stack.
 */
async function checkReadableFile(file: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
    await access(file, constants.R_OK);
  } catch {
    throw new CliError(`Cannot read ${file}: no such file, or not readable.`);
  }
  if (info.isDirectory()) throw new CliError(`${file} is a folder, not a CSV file.`);
  if (!info.isFile())
    throw new CliError(
      `${file} is not a regular file (a device or a pipe, say); the import reads its file twice, so save the CSV to a file first.`,
    );
}

/** Prints a license-type import summary; rows refused at write time go to stderr (exit code 1). */
export function reportLicenseTypes(io: CliIo, from: string, s: LicenseTypeImportSummary): number {
  const total = s.created + s.updated + s.unchanged;
  say(
    io.stdout,
    `Imported ${n(total)} license type${total === 1 ? '' : 's'} from ${from}: ${n(s.created)} created, ${n(s.updated)} updated, ${n(s.unchanged)} unchanged.`,
  );
  for (const problem of s.refused) say(io.stderr, `  line ${problem.line}: ${problem.message}`);
  return s.refused.length ? 1 : 0;
}

/** Prints a learner-import summary; learners whose licenses could not change go to stderr (exit code 1). */
export function reportLearners(io: CliIo, title: string, s: LearnerImportSummary): number {
  say(
    io.stdout,
    `${title}: ${n(s.created)} created, ${n(s.updated)} updated, ${n(s.unchanged)} unchanged; licenses changed for ${n(s.licensesChanged)}.`,
  );
  if (s.failed.length === 0) return 0;
  say(
    io.stderr,
    `${n(s.failed.length)} learner${s.failed.length === 1 ? '' : 's'} did not get the licenses in the file (someone changed them meanwhile); run the import again:`,
  );
  for (const failure of s.failed) {
    const message = failure.code in errorMessages ? errorMessages[failure.code as ErrorCode] : failure.code;
    say(io.stderr, `  ${failure.email}: ${message}`);
  }
  return 1;
}

/** Progress lines for long imports, only when a person is watching. */
export function progressTo(io: CliIo): ((message: string) => void) | undefined {
  return (io.stderr as { isTTY?: boolean }).isTTY ? (message) => say(io.stderr, message) : undefined;
}
