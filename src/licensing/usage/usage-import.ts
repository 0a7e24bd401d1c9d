import type { Actor } from '../model.js';
import { type ImportProblem, ImportRejected, InvalidSourceError } from '../transfer/table.js';
import type { LearnerUsage, UsageDeps, UsageFormat, UsageImportRecord, UsageSource } from './ports.js';
import { parseActivityDate, parseCount, parseEmail, parseHours, readUsageHeader, type UsageHeader } from './usage-format.js';

/** What an import did. */
export interface UsageImportSummary {
  importId: string;
  format: UsageFormat;
  rows: number;
  learners: number;
  matched: number;
  /** Emails in the file that no learner here has (skipped, not an error: reports cover everyone on the platform). */
  unknownEmails: string[];
  /** Columns the file has that carry nothing we keep (course views, completions …). */
  ignoredColumns: string[];
  /** Learners the file shows active in its period. */
  active: number;
  periodEnd: Date;
}

const BATCH = 1_000;
const MAX_PROBLEMS = 200;

/**
 * Imports a usage report (LinkedIn Learning's Learner Summary or Learner Detail export, or any
 * CSV with an email and an activity column). The whole file is checked first; if any row is
 * wrong nothing is written and every problem is reported with its line. Learners are matched by
 * email; each import is recorded for good.
 */
export async function importUsage(
  deps: UsageDeps,
  source: UsageSource,
  options: { actor: Actor; periodEnd?: Date },
): Promise<UsageImportSummary> {
  const now = deps.now();
  const periodEnd = options.periodEnd ?? now;
  const problems: ImportProblem[] = [];
  const merged = new Map<string, LearnerUsage>();
  let header: UsageHeader | undefined;
  let rows = 0;
  try {
    for await (const row of source.rows()) {
      if (!header) {
        const read = readUsageHeader(row.values);
        if ('problems' in read) {
          problems.push(...read.problems.map((message) => ({ line: row.line, message })));
          break;
        }
        header = read;
        continue;
      }
      rows += 1;
      const usage = readRow(header, row.values, periodEnd, now, (message) => {
        if (problems.length < MAX_PROBLEMS) problems.push({ line: row.line, message });
        else if (problems.length === MAX_PROBLEMS) problems.push({ message: 'more problems follow; fix these first' });
      });
      if (usage) mergeInto(merged, usage);
    }
  } catch (error) {
    if (!(error instanceof InvalidSourceError)) throw error;
    problems.push({
      ...(error.line !== undefined ? { line: error.line } : {}),
      message: `${error.message}; the rest of the file was not read`,
    });
  }
  if (!header && problems.length === 0) problems.push({ line: 1, message: 'the file is empty; expected a header with an email column' });
  if (problems.length) throw new ImportRejected(problems);
  if (!header) throw new ImportRejected([{ message: 'no header' }]);

  const record: UsageImportRecord = {
    id: deps.newRunId(),
    fileName: source.fileName,
    format: header.format,
    importedAt: now,
    importedBy: options.actor.userId,
    source: options.actor.source,
    periodEnd,
    rows,
    learners: merged.size,
    matched: 0,
    unknownEmails: 0,
    status: 'running',
  };
  await deps.usage.startUsageImport(record);
  let matched = 0;
  const unknown: string[] = [];
  let batch: LearnerUsage[] = [];
  const flush = async () => {
    const saved = await deps.usage.saveUsage(record.id, batch, now);
    matched += saved.matched;
    unknown.push(...saved.unknown);
    batch = [];
  };
  for (const usage of merged.values()) {
    batch.push(usage);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length) await flush();
  await deps.usage.finishUsageImport(record.id, { matched, unknownEmails: unknown.length }, deps.now());
  let active = 0;
  for (const usage of merged.values()) if (usage.lastActiveAt) active += 1;
  return {
    importId: record.id,
    format: header.format,
    rows,
    learners: merged.size,
    matched,
    unknownEmails: unknown.sort(),
    ignoredColumns: header.ignored,
    active,
    periodEnd,
  };
}

function readRow(
  header: UsageHeader,
  values: readonly string[],
  periodEnd: Date,
  now: Date,
  problem: (message: string) => void,
): LearnerUsage | null {
  const cell = (field: keyof UsageHeader['index']) => {
    const i = header.index[field];
    return i === undefined ? '' : (values[i] ?? '');
  };
  let ok = true;
  const bad = (message: string) => {
    ok = false;
    problem(message);
  };
  const email = parseEmail(cell('email'));
  if (!email) bad(cell('email').trim() ? `"${cell('email').trim()}" is not an email address` : 'the email is empty');
  const date = parseActivityDate(cell('lastActiveAt'));
  if (date === null) bad(`"${cell('lastActiveAt').trim()}" is not a date (use YYYY-MM-DD or MM/DD/YYYY)`);
  else if (date && date.getTime() > now.getTime() + 36 * 3_600_000)
    bad(`the last active date ${cell('lastActiveAt').trim()} is in the future`);
  const hours = parseHours(cell('hoursViewed'));
  if (hours === null) bad(`"${cell('hoursViewed').trim()}" is not a number of hours (use 1:30:00 or 1.5)`);
  const seconds = parseCount(cell('secondsViewed'));
  if (seconds === null) bad(`"${cell('secondsViewed').trim()}" is not a number of seconds`);
  const minutes = parseCount(cell('minutesViewed'));
  if (minutes === null) bad(`"${cell('minutesViewed').trim()}" is not a number of minutes`);
  const days = parseCount(cell('daysLoggedIn'));
  if (days === null || (days !== null && !Number.isInteger(days))) bad(`"${cell('daysLoggedIn').trim()}" is not a whole number of days`);
  if (!ok || !email) return null;
  const hoursViewed = (hours ?? 0) + (seconds ?? 0) / 3600 + (minutes ?? 0) / 60;
  // A report without a date column still says who was active in its period: as of its end.
  const lastActiveAt = date ?? (hoursViewed > 0 || (days ?? 0) > 0 ? periodEnd : undefined);
  return {
    email,
    hoursViewed,
    ...(header.index.daysLoggedIn !== undefined ? { daysLoggedIn: days ?? 0 } : {}),
    ...(lastActiveAt ? { lastActiveAt } : {}),
  };
}

/** Learner Detail has a row per content item: a learner's rows add up, the latest day wins. */
function mergeInto(merged: Map<string, LearnerUsage>, usage: LearnerUsage): void {
  const seen = merged.get(usage.email);
  if (!seen) {
    merged.set(usage.email, usage);
    return;
  }
  const lastActiveAt =
    seen.lastActiveAt && usage.lastActiveAt
      ? new Date(Math.max(seen.lastActiveAt.getTime(), usage.lastActiveAt.getTime()))
      : (seen.lastActiveAt ?? usage.lastActiveAt);
  const days =
    seen.daysLoggedIn !== undefined || usage.daysLoggedIn !== undefined
      ? Math.max(seen.daysLoggedIn ?? 0, usage.daysLoggedIn ?? 0)
      : undefined;
  merged.set(usage.email, {
    email: usage.email,
    hoursViewed: seen.hoursViewed + usage.hoursViewed,
    ...(days !== undefined ? { daysLoggedIn: days } : {}),
    ...(lastActiveAt ? { lastActiveAt } : {}),
  });
}

/** The latest usage imports, newest first. */
export async function listUsageImports(deps: Pick<UsageDeps, 'usage'>, limit = 10): Promise<UsageImportRecord[]> {
  return deps.usage.listUsageImports(limit);
}
