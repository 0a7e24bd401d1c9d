import { modelsFor } from '../../src/db/models/index.js';
import { ImportRejected, rowsFrom } from '../../src/licensing/transfer/table.js';
import { importUsage } from '../../src/licensing/usage/usage-import.js';
import { openTestDatabase } from '../support/database.js';
import { givenLearners } from '../support/fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;
const NOW = new Date('2026-04-01T12:00:00Z');
const actor = { userId: 'cli:import', source: 'import' as const };

beforeEach(async () => {
  db = await openTestDatabase();
  await givenLearners(db, [
    { email: 'ada@example.com', name: 'Ada Lovelace' },
    { email: 'grace@example.com', name: 'Grace Hopper' },
    { email: 'alan@example.com', name: 'Alan Turing' },
  ]);
});
afterEach(async () => {
  await db.drop();
});

function deps() {
  const counter = { run: 0 };
  return { usage: db.repositories.usage, now: () => NOW, newRunId: () => `run${++counter.run}` };
}
const source = (lines: string[][], fileName = 'report.csv') => ({ rows: rowsFrom(() => lines), fileName });

async function usageOf(email: string) {
  const { Learner } = modelsFor(db.connection);
  return (await Learner.findOne({ email }).lean())?.usage;
}

describe('usage import', () => {
  it('takes LinkedIn Learning’s Learner Summary export as exported (hours as H:MM:SS, activity as of the period end)', async () => {
    const summary = await importUsage(
      deps(),
      source([
        ['Name', 'Email', 'Unique User ID', 'Days Logged In', 'Hours Viewed', 'Course Views', 'Course Completions'],
        ['Ada Lovelace', 'ADA@example.com', 'u-1', '12', '3:30:00', '4', '1'],
        ['Grace Hopper', 'grace@example.com', 'u-2', '0', '0:00:00', '0', '0'],
        ['Someone Else', 'nobody@example.com', 'u-9', '1', '0:10:00', '1', '0'],
      ]),
      { actor, periodEnd: new Date('2026-03-31T00:00:00Z') },
    );
    expect(summary).toMatchObject({
      format: 'linkedin_learner_summary',
      rows: 3,
      learners: 3,
      matched: 2,
      active: 2,
      unknownEmails: ['nobody@example.com'],
    });
    expect(summary.ignoredColumns).toEqual(['Name', 'Unique User ID', 'Course Views', 'Course Completions']);
    expect(await usageOf('ada@example.com')).toMatchObject({
      hoursViewed: 3.5,
      daysLoggedIn: 12,
      lastActiveAt: new Date('2026-03-31T00:00:00Z'),
    });
    const grace = await usageOf('grace@example.com');
    expect(grace).toMatchObject({ hoursViewed: 0, daysLoggedIn: 0 });
    expect(grace?.lastActiveAt).toBeUndefined();
    expect(await usageOf('alan@example.com')).toBeUndefined();
  });

  it('adds up Learner Detail rows per learner and keeps the latest day', async () => {
    const summary = await importUsage(
      deps(),
      source([
        ['First Name', 'Last Name', 'Email', 'Content Title', 'Content Type', 'Hours Viewed', 'Content Last Viewed'],
        ['Ada', 'Lovelace', 'ada@example.com', 'Excel Essentials', 'Course', '1:00:00', '03/02/2026'],
        ['Ada', 'Lovelace', 'ada@example.com', 'SQL', 'Course', '0:30:00', '03/20/2026'],
        ['Alan', 'Turing', 'alan@example.com', 'Go', 'Course', '', ''],
      ]),
      { actor },
    );
    expect(summary.format).toBe('linkedin_learner_detail');
    expect(await usageOf('ada@example.com')).toMatchObject({ hoursViewed: 1.5, lastActiveAt: new Date('2026-03-20T00:00:00Z') });
    expect((await usageOf('alan@example.com'))?.lastActiveAt).toBeUndefined();
  });

  it('checks the whole file first: every bad row is reported with its line and nothing is written', async () => {
    const attempt = importUsage(
      deps(),
      source([
        ['email', 'lastActiveAt', 'hoursViewed'],
        ['ada@example.com', '2026-03-01', '2'],
        ['not-an-email', '2026-03-01', '1'],
        ['grace@example.com', 'yesterday', 'lots'],
        ['alan@example.com', '2027-01-01', '1'],
      ]),
      { actor },
    );
    await expect(attempt).rejects.toBeInstanceOf(ImportRejected);
    const problems = await attempt.catch((error: ImportRejected) => error.problems);
    expect(problems).toEqual([
      { line: 3, message: '"not-an-email" is not an email address' },
      { line: 4, message: '"yesterday" is not a date (use YYYY-MM-DD or MM/DD/YYYY)' },
      { line: 4, message: '"lots" is not a number of hours (use 1:30:00 or 1.5)' },
      { line: 5, message: 'the last active date 2027-01-01 is in the future' },
    ]);
    expect(await usageOf('ada@example.com')).toBeUndefined();
    expect(await db.repositories.usage.listUsageImports(5)).toEqual([]);
  });

  it('refuses a file without an email or an activity column', async () => {
    await expect(
      importUsage(
        deps(),
        source([
          ['Name', 'Department'],
          ['Ada', 'R&D'],
        ]),
        { actor },
      ),
    ).rejects.toMatchObject({
      problems: [
        { line: 1, message: 'no email column (expected "Email", as LinkedIn Learning exports it, or "email")' },
        { line: 1, message: 'no activity column (expected "Last Active Date", "Hours Viewed" or "Days Logged In")' },
      ],
    });
  });

  it('keeps every import in its history and never moves a last active day backwards', async () => {
    const d = deps();
    await importUsage(
      d,
      source(
        [
          ['email', 'lastActiveAt'],
          ['ada@example.com', '2026-03-20'],
        ],
        'march.csv',
      ),
      { actor },
    );
    await importUsage(
      d,
      source(
        [
          ['email', 'lastActiveAt'],
          ['ada@example.com', '2026-01-05'],
        ],
        'january.csv',
      ),
      { actor },
    );
    expect((await usageOf('ada@example.com'))?.lastActiveAt).toEqual(new Date('2026-03-20T00:00:00Z'));
    const history = await db.repositories.usage.listUsageImports(5);
    expect(history.map((h) => [h.fileName, h.status, h.matched])).toEqual(
      expect.arrayContaining([
        ['march.csv', 'completed', 1],
        ['january.csv', 'completed', 1],
      ]),
    );
    expect(history).toHaveLength(2);
  });
});
