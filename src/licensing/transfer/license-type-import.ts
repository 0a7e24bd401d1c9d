import type { ImportDeps, RowSource } from './ports.js';
import { excerpt, ImportInterrupted, type ImportProblem, ImportRejected, interruptionReason, readTable, writtenOf } from './table.js';

const TYPE_KEY = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const MAX_SEATS = 1_000_000_000;
const count = (n: number) => n.toLocaleString('en-US');

export interface LicenseTypeImportSummary {
  created: number;
  updated: number;
  unchanged: number;
  /** Rows left unchanged because seats were assigned between the check and the write. */
  refused: ImportProblem[];
}

interface LicenseTypeRow {
  line: number;
  key: string;
  name: string;
  /** Undefined: the file has no seats column, so the stored capacity stays (a new type is unlimited). */
  capacity?: number | null;
  /** Absent: the file has no platformName column, so the stored one stays; null: cleared. */
  platformName?: string | null;
}

/**
 * Creates or updates license types from `key,name,seats[,platformName]` rows (empty seats = unlimited,
 * no seats column = capacities stay as they are; platformName is what the learning platform calls
 * the license, empty = the name). The whole source is checked first; a capacity below the seats in
 * use refuses the import. A write that fails half-way throws ImportInterrupted with the count written.
 */
export async function importLicenseTypes(
  deps: Pick<ImportDeps, 'store' | 'imports'>,
  source: RowSource,
): Promise<LicenseTypeImportSummary> {
  const problems: ImportProblem[] = [];
  const rows: LicenseTypeRow[] = [];
  const existing = new Map((await deps.store.listLicenseTypes()).map((t) => [t.key, t]));
  const seen = new Map<string, number>();
  await readTable(
    source,
    ['key', 'name', 'seats', 'platformName'],
    { platform_name: 'platformName', platformname: 'platformName' },
    problems,
    (line, get, has) => {
      const rowProblems: string[] = [];
      const key = get('key');
      const name = get('name').normalize('NFC');
      const seats = get('seats');
      if (!TYPE_KEY.test(key))
        rowProblems.push(`key ${excerpt(key)} must be 1–64 lower-case letters, digits, "-" or "_", starting with a letter or digit`);
      if (!name) rowProblems.push('name is empty');
      else if (name.length > 75) rowProblems.push('name is longer than 75 characters');
      let capacity: number | null | undefined = has('seats') ? null : undefined;
      if (seats !== '') {
        capacity = /^\d+$/.test(seats) ? Number(seats) : Number.NaN;
        if (!Number.isSafeInteger(capacity) || capacity > MAX_SEATS)
          rowProblems.push(`seats ${excerpt(seats)} must be a whole number of at least 0, or empty for unlimited`);
      }
      const first = seen.get(key);
      if (first !== undefined) rowProblems.push(`key ${excerpt(key)} already appears on line ${first}`);
      else seen.set(key, line);
      const current = existing.get(key);
      if (current && typeof capacity === 'number' && !Number.isNaN(capacity) && capacity < current.seatsInUse) {
        rowProblems.push(
          `${current.name} has ${count(current.seatsInUse)} seats in use, so its seats cannot be set to ${count(capacity)}; free some seats first`,
        );
      }
      const platformName = get('platformName').normalize('NFC');
      if (platformName.length > 200) rowProblems.push('platformName is longer than 200 characters');
      if (rowProblems.length) problems.push(...rowProblems.map((message) => ({ line, message })));
      else
        rows.push({
          line,
          key,
          name,
          ...(capacity !== undefined ? { capacity } : {}),
          ...(has('platformName') ? { platformName: platformName || null } : {}),
        });
    },
  );
  if (problems.length) throw new ImportRejected(problems);

  const summary: LicenseTypeImportSummary = { created: 0, updated: 0, unchanged: 0, refused: [] };
  for (const [i, row] of rows.entries()) {
    let outcome: Awaited<ReturnType<typeof deps.imports.saveLicenseType>>;
    try {
      outcome = await deps.imports.saveLicenseType(row);
    } catch (error) {
      throw new ImportInterrupted(writtenOf(i, rows.length, 'license types'), interruptionReason(error));
    }
    if (outcome === 'below_seats_in_use') {
      // Seats were taken between the check and the write; the capacity check is atomic, so it holds.
      summary.refused.push({
        line: row.line,
        message: `${row.name}: seats were assigned meanwhile and now exceed ${count(row.capacity ?? 0)}; this type was left unchanged`,
      });
    } else summary[outcome] += 1;
  }
  return summary;
}
