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

/**
 * Reads the header and hands each data row to `onRow` with a getter by column name (missing
 * optional columns read as ''; `has` tells an absent column from an empty cell). Header problems and unreadable rows are added to `problems`.
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
  try {
    for await (const row of source()) {
      if (!index) {
        index = readHeader(row, columns, aliases, required, problems);
        if (!index) return;
        continue;
      }
      if (row.values.length !== index.size) {
        problems.push({ line: row.line, message: `expected ${index.size} fields as in the header, found ${row.values.length}` });
        continue;
      }
      const at = index;
      await onRow(
        row.line,
        (column) => {
          const i = at.get(column);
          return i === undefined ? '' : (row.values[i] ?? '').trim();
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
  row.values.forEach((raw, i) => {
    const name = raw.trim().toLowerCase();
    const column = byLowerName.get(name) ?? aliases[name];
    if (!column) headerProblems.push(`unknown column "${raw.trim()}"`);
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
