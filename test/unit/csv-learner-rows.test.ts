import { demoLearnerRows } from '../../src/cli/demo-data.js';
import { type LearnerRow, parseLearnerRow } from '../../src/licensing/transfer/learner-import.js';
import { splitList } from '../../src/licensing/transfer/table.js';

const types = new Set(['pro', 'core', 'coaching']);

function parse(cells: Partial<Record<'email' | 'name' | 'group' | 'licenseType' | 'status', string>>) {
  return parseLearnerRow(7, (column) => (cells as Record<string, string | undefined>)[column] ?? '', types);
}

function rowOf(result: ReturnType<typeof parse>): LearnerRow {
  if ('problems' in result) throw new Error(`unexpected problems: ${result.problems.join('; ')}`);
  return result.row;
}

describe('learner rows', () => {
  it('lower-cases the email, splits groups joined by semicolons and leaves an empty status as it is', () => {
    const row = rowOf(
      parse({ email: 'Ada.Lovelace@Example.com', name: 'Ada Lovelace', group: 'Sales; Engineering;;Sales', licenseType: 'pro' }),
    );
    expect(row).toEqual({
      line: 7,
      profile: {
        email: 'ada.lovelace@example.com',
        name: 'Ada Lovelace',
        groups: ['Sales', 'Engineering'],
        searchKeys: ['ada', 'lovelace', 'adalovelace', 'adalovelace@examplecom'],
        searchName: 'ada lovelace',
      },
      licenseTypes: ['pro'],
    });
  });

  it('leaves licenses unsaid when licenseType is empty, and clears them for a deactivated learner', () => {
    expect(rowOf(parse({ email: 'a@example.com', name: 'A' })).licenseTypes).toBeUndefined();
    const gone = rowOf(parse({ email: 'a@example.com', name: 'A', status: 'Deactivated' }));
    expect(gone.profile.status).toBe('deactivated');
    expect(gone.licenseTypes).toEqual([]);
  });

  it('lists every problem of a row at once', () => {
    expect(parse({ email: 'not-an-email', name: '', licenseType: 'gold;pro', status: 'paused' })).toEqual({
      problems: [
        'email "not-an-email" is not a valid email address',
        'name is empty',
        'status "paused" must be active, deactivated or empty',
        'license type "gold" does not exist',
      ],
    });
  });

  it('refuses a license for a deactivated learner', () => {
    expect(parse({ email: 'a@example.com', name: 'A', licenseType: 'pro', status: 'deactivated' })).toEqual({
      problems: ['a deactivated learner cannot hold a license; leave licenseType empty'],
    });
  });

  it('splits lists into trimmed distinct values', () => {
    expect(splitList(' a ;b;; a;')).toEqual(['a', 'b']);
    expect(splitList('')).toEqual([]);
  });
});

describe('demo learner rows', () => {
  it('are the same on every run and a longer list extends a shorter one', () => {
    const short = [...demoLearnerRows(200)];
    expect([...demoLearnerRows(200)]).toEqual(short);
    expect([...demoLearnerRows(400)].slice(0, 201)).toEqual(short);
  });

  it('are all valid import rows with distinct example.com emails', () => {
    const [header, ...rows] = [...demoLearnerRows(3000)];
    expect(header).toEqual(['email', 'name', 'group', 'licenseType', 'status']);
    const emails = new Set<string>();
    for (const cells of rows) {
      const byColumn = Object.fromEntries(header!.map((column, i) => [column, cells[i] ?? '']));
      const row = rowOf(parse(byColumn));
      expect(row.profile.email).toMatch(/^[a-z0-9.]+@example\.com$/);
      emails.add(row.profile.email);
    }
    expect(emails.size).toBe(3000);
  });
});
