import { isLicenseError } from '../errors.js';
import type { RowSource, SourceRow } from './ports.js';

/** The source itself is unreadable as a table (an unclosed quote, say); reading stops there. */
export class InvalidSourceError extends Error {
  constructor(
    readonly line: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidSourceError';
  }
}

export interface ImportProblem {
  /** The line the bad row starts on; absent for problems of the whole file (seats, say). */
  line?: number;
  message: string;
}

/** The import was refused before anything was written; `problems` lists every reason. */
export class ImportRejected extends Error {
  constructor(readonly problems: ImportProblem[]) {
    super(`Nothing was imported: ${problems.length} problem${problems.length === 1 ? '' : 's'} found.`);
    this.name = 'ImportRejected';
  }
}

/** How long a cell and a whole row may be, in characters; longer ones are problems of the check, with their line. */
export const TABLE_LIMITS = { cell: 1_000, row: 4_000 } as const;

const FORMULA_START = /^(?:[=+\-@\t\r]|'[=+\-@\t\r'])/;

/**
 * Neutralises a cell a spreadsheet would run as a formula (OWASP: one starting with =, +, -, @,
 * tab or CR) by putting a ' before it. A cell that already starts with ' before one of those
 * gets one too, so `fromSpreadsheetSafe` gives back exactly what was exported.
 */
export function spreadsheetSafe(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Undoes `spreadsheetSafe`: what an export neutralised imports back as it was. */
export function fromSpreadsheetSafe(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}

/** A bad value as an error message quotes it: at most `max` characters, control characters shown. */
export function excerpt(text: string, max = 40): string {
  const visible = text.replace(/\p{Cc}/gu, (c) => (c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '?'));
  return `"${visible.length > max ? `${visible.slice(0, max - 1)}…` : visible}"`;
}

const count = (n: number) => n.toLocaleString('en-US');

/** Why a row cannot be read at all (too long, mis-decoded), before its columns are looked at. */
function rowProblem(values: readonly string[], header: readonly string[]): string | undefined {
  const length = values.reduce((n, value) => n + value.length, 0);
  if (length > TABLE_LIMITS.row) return `the row is ${count(length)} characters long; at most ${count(TABLE_LIMITS.row)} are allowed`;
  const long = values.findIndex((value) => value.length > TABLE_LIMITS.cell);
  if (long >= 0)
    return `${header[long] ? `column ${header[long]}` : `field ${long + 1}`} holds ${count(values[long]?.length ?? 0)} characters; at most ${count(TABLE_LIMITS.cell)} are allowed`;
  if (values.some((value) => value.includes('\uFFFD')))
    return 'it holds “\uFFFD”, a character that stands for text decoded wrongly before the file was saved; fix it at the source and export the file again';
  return undefined;
}

/**
 * The import stopped after its check, while writing (the database went away, or refused a value).
 * The message says what was written and what to do; writing is idempotent, so running the same
 * import again finishes it.
 */
export class ImportInterrupted extends Error {
  /** `written` says what was written, e.g. "2,000 of 3,000 learners written"; null when nothing was. */
  constructor(
    readonly written: string | null,
    readonly reason: string,
  ) {
    super(
      written === null
        ? `Nothing was imported: the import stopped before writing anything (${reason}). Run it again.`
        : `${written} before the import stopped (${reason}); run the same import again to finish — it is safe to repeat.`,
    );
    this.name = 'ImportInterrupted';
  }
}

/** "2,000 of 3,000 learners written". */
export function writtenOf(done: number, total: number, what: string): string {
  return `${count(done)} of ${count(total)} ${what} written`;
}

/** Why a write failed, as a clause for ImportInterrupted (never the domain's "nothing was changed"). */
export function interruptionReason(error: unknown): string {
  if (isLicenseError(error, 'database_unavailable')) return 'the database became unreachable';
  const text = excerpt((error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' '), 160);
  return error instanceof Error && /^Mongo/.test(error.name) ? `the database refused a write: ${text}` : `an unexpected error: ${text}`;
}

/**
 * Reads the header and hands each data row to `onRow` with a getter by column name (missing
 * optional columns read as ''; `has` tells an absent column from an empty cell). Header problems
 * and unreadable rows (wrong field count, over the limits, mis-decoded text) are added to
 * `problems`. Cells are trimmed and what an export neutralised for spreadsheets is restored.
 */
export async function readTable(
  source: RowSource,
  columns: readonly string[],
  aliases: Record<string, string>,
  problems: ImportProblem[],
  onRow: (line: number, get: (column: string) => string, has: (column: string) => boolean) => void | Promise<void>,
): Promise<void> {
  const required = columns.slice(0, 2);
  let index: Map<string, number> | undefined;
  let header: string[] = [];
  try {
    for await (const row of source()) {
      if (!index) {
        index = readHeader(row, columns, aliases, required, problems);
        if (!index) return;
        header = row.values.map((value) => value.trim());
        continue;
      }
      if (row.values.length !== index.size) {
        problems.push({ line: row.line, message: `expected ${index.size} fields as in the header, found ${row.values.length}` });
        continue;
      }
      const unreadable = rowProblem(row.values, header);
      if (unreadable) {
        problems.push({ line: row.line, message: unreadable });
        continue;
      }
      const at = index;
      await onRow(
        row.line,
        (column) => {
          const i = at.get(column);
          return i === undefined ? '' : fromSpreadsheetSafe((row.values[i] ?? '').trim());
        },
        (column) => at.has(column),
      );
    }
  } catch (error) {
    if (!(error instanceof InvalidSourceError)) throw error;
    problems.push({
      ...(error.line !== undefined ? { line: error.line } : {}),
      message: `${error.message}; the rest of the file was not read`,
    });
    return;
  }
  if (!index) problems.push({ line: 1, message: `the file is empty; expected a header: ${columns.join(',')}` });
}

function readHeader(
  row: SourceRow,
  columns: readonly string[],
  aliases: Record<string, string>,
  required: readonly string[],
  problems: ImportProblem[],
): Map<string, number> | undefined {
  const byLowerName = new Map(columns.map((column) => [column.toLowerCase(), column]));
  const index = new Map<string, number>();
  const headerProblems: string[] = [];
  const known = (raw: string) => {
    const name = raw.trim().toLowerCase();
    return byLowerName.get(name) ?? aliases[name];
  };
  // A spreadsheet set to a language that writes decimal commas saves "CSV" with ; between columns.
  const fields = row.values.length === 1 ? (row.values[0] ?? '').split(';') : [];
  if (fields.length > 1 && fields.some((field) => known(field))) {
    problems.push({
      line: row.line,
      message: `the columns are separated by ";", not ","; save the file as CSV with commas (in Excel: CSV UTF-8 (Comma delimited)) and import it again (expected columns: ${columns.join(',')})`,
    });
    return undefined;
  }
  row.values.forEach((raw, i) => {
    const column = known(raw);
    if (!column) headerProblems.push(`unknown column ${excerpt(raw.trim())}`);
    else if (index.has(column)) headerProblems.push(`column "${column}" appears twice`);
    else index.set(column, i);
  });
  for (const column of required) if (!index.has(column)) headerProblems.push(`column "${column}" is missing`);
  if (!headerProblems.length) return index;
  problems.push(...headerProblems.map((message) => ({ line: row.line, message: `${message} (expected columns: ${columns.join(',')})` })));
  return undefined;
}

/** A row source over records in memory or generated (header first); line numbers count from 1. */
export function rowsFrom(records: () => Iterable<string[]>): RowSource {
  return async function* () {
    let line = 0;
    for (const values of records()) {
      line += 1;
      yield { line, values };
    }
  };
}

/** Splits a `;`-joined cell into trimmed, distinct, non-empty values. */
export function splitList(cell: string): string[] {
  return [
    ...new Set(
      cell
        .split(';')
        .map((value) => value.trim())
        .filter(Boolean),
    ),
  ];
}
