import { parseArgs } from 'node:util';
import { ConfigError } from '../config.js';
import { isLicenseError } from '../licensing/errors.js';
import { ImportInterrupted, ImportRejected } from '../licensing/transfer/table.js';
import { runDoctor } from './commands/doctor.js';
import { runExport } from './commands/export.js';
import { runImport } from './commands/import.js';
import { runReport } from './commands/report.js';
import { runSeed } from './commands/seed.js';
import { runSync } from './commands/sync.js';
import { CliError, type CliIo, say } from './context.js';

export type { CliIo } from './context.js';

export const usage = `Usage: license-bot [command]

Commands:
  serve                            Start the Slack app (the default when no command is given)
  import license-types FILE.csv    Create or update license types; columns key,name,seats[,platformName]
                                   (empty seats = unlimited)
  import learners FILE.csv [--sync]
                                   Create or update learners by email, and set their licenses;
                                   columns email,name[,group,licenseType,status]
                                   (group: several joined by ";"; licenseType: a license type key,
                                   empty = leave licenses as they are; status: active|deactivated,
                                   empty = leave it; a column left out changes nothing)
  import usage FILE.csv [--as-of DATE]
                                   Learner activity: LinkedIn Learning's Learner Summary or Learner
                                   Detail export as it is, or columns email,lastActiveAt[,hoursViewed,
                                   daysLoggedIn]; --as-of: the day the report's period ends (default today)
  report [--days N] [--out DIR]    Seat report: seat-report-DATE.png (chart) and .csv in DIR (default .)
  export learners                  CSV of learners to stdout (email order)
  export history                   CSV of license assignments to stdout (oldest first)
  export audit                     CSV of audit events to stdout (oldest first)
                                   --sync also sends the changed licenses to the platform
  sync status                      Where the learning platform stands (SYNC_TARGET)
  sync push                        Push every waiting change now (or deliver an Org Sync file)
  sync pull                        Read the platform's directory (SCIM): create and update learners,
                                   report drift (never deletes anyone)
  sync verify [--push-ours|--accept-theirs]
                                   Compare the platform's licenses with ours; optionally fix the drift
  seed --demo [--learners N]       Load demo license types and N demo learners (default 3000)
  doctor                           Compare seats in use with license holders per type
  help, --help                     Show this help

An import checks the whole file first and writes nothing if any row is wrong.
Database: MONGODB_URI (and optionally MONGODB_DB_NAME); without it, an embedded MongoDB keeps its
files in DATA_DIR (default ./.data).`;

/**
 * Runs one license-bot command and returns its exit code. Data goes to `io.stdout`, messages to
 * `io.stderr`; a failure is one plain message, never a stack trace.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    say(io.stderr, describeFailure(error));
    return 1;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h' || rest.includes('--help') || rest.includes('-h')) {
    say(io.stdout, usage);
    return 0;
  }
  switch (command) {
    case 'serve': {
      noArguments(rest);
      // Loaded on demand: the data commands never load Slack or Agenda.
      const { serve } = await import('../main.js');
      await serve();
      return 0;
    }
    case 'import': {
      const { values, positionals } = expectArgs(rest, { sync: { type: 'boolean' }, 'as-of': { type: 'string' } });
      if (positionals.length > 2) throw new CliError(`Unexpected argument "${positionals[2]}".`);
      return runImport(io, positionals[0], positionals[1], {
        sync: values.sync === true,
        ...(typeof values['as-of'] === 'string' ? { asOf: values['as-of'] } : {}),
      });
    }
    case 'report': {
      const { values, positionals } = expectArgs(rest, { days: { type: 'string' }, out: { type: 'string' } });
      if (positionals.length) throw new CliError(`Unexpected argument "${positionals[0]}".`);
      return runReport(io, {
        ...(typeof values.days === 'string' ? { days: values.days } : {}),
        ...(typeof values.out === 'string' ? { out: values.out } : {}),
      });
    }
    case 'sync': {
      const { values, positionals } = expectArgs(rest, { 'push-ours': { type: 'boolean' }, 'accept-theirs': { type: 'boolean' } });
      if (positionals.length > 1) throw new CliError(`Unexpected argument "${positionals[1]}".`);
      return runSync(io, positionals[0], { pushOurs: values['push-ours'] === true, acceptTheirs: values['accept-theirs'] === true });
    }
    case 'export': {
      const { positionals } = expectArgs(rest, {});
      if (positionals.length > 1) throw new CliError(`Unexpected argument "${positionals[1]}".`);
      return runExport(io, positionals[0]);
    }
    case 'seed': {
      const { values, positionals } = expectArgs(rest, { demo: { type: 'boolean' }, learners: { type: 'string' } });
      if (positionals.length) throw new CliError(`Unexpected argument "${positionals[0]}".`);
      return runSeed(io, values as { demo?: boolean; learners?: string });
    }
    case 'doctor':
      noArguments(rest);
      return runDoctor(io);
    default:
      throw new CliError(`Unknown command "${command}".\n\n${usage}`);
  }
}

type OptionSpec = Record<string, { type: 'boolean' | 'string' }>;

function expectArgs(
  args: readonly string[],
  options: OptionSpec,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}\nRun \`license-bot --help\` for usage.`);
  }
}

function noArguments(args: readonly string[]): void {
  const { positionals } = expectArgs(args, {});
  if (positionals.length) throw new CliError(`Unexpected argument "${positionals[0]}".`);
}

function describeFailure(error: unknown): string {
  if (error instanceof ImportRejected) {
    return [error.message, ...error.problems.map((p) => `  ${p.line !== undefined ? `line ${p.line}: ` : ''}${p.message}`)].join('\n');
  }
  if (error instanceof ConfigError) return `${error.message}\nSee .env.example for every variable.`;
  if (error instanceof CliError || error instanceof ImportInterrupted || isLicenseError(error)) return error.message;
  return `Error: ${error instanceof Error ? error.message : String(error)}`;
}
