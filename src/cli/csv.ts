import { createReadStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import type { RowSource, SourceRow } from '../licensing/transfer/ports.js';
import { InvalidSourceError } from '../licensing/transfer/table.js';

/**
 * Reads CSV (RFC 4180 quoting, optional BOM) record by record, with the line each record starts
 * on. Blank lines and rows of empty cells are skipped; rows keep their own number of fields so
 * the caller can report a wrong count. A malformed file ends in an InvalidSourceError.
 */
export async function* readCsv(input: Readable): AsyncGenerator<SourceRow> {
  const parser = parse({
    bom: true,
    info: true,
    // A file saved on Windows and edited elsewhere can mix both line endings.
    record_delimiter: ['\r\n', '\n'],
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
  });
  // pipeline destroys the parser with the input's error (a missing file, say), so it surfaces below.
  const piping = pipeline(input, parser).catch(() => undefined);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      // info.lines is where the record ends; a quoted field may span lines.
      const spanned = record.reduce((n, field) => n + (field.match(/\n/g)?.length ?? 0), 0);
      yield { line: info.lines - spanned, values: record };
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new InvalidSourceError(line, `the file is not valid CSV (${error.message.replace(/^[^:]*:\s*/, '')})`);
    }
    throw error;
  } finally {
    input.destroy();
    await piping;
  }
}

/** A row source that re-reads the file on every pass. */
export function csvFileRows(path: string): RowSource {
  return () => readCsv(createReadStream(path));
}

/**
 * Writes a header and records as CSV to `out`, with backpressure, leaving `out` open (it may be
 * process.stdout).
 */
export async function writeCsv(out: Writable, columns: readonly string[], records: AsyncIterable<string[]>): Promise<void> {
  await pipeline(Readable.from(records), stringify({ header: true, columns: [...columns] }), out, { end: false });
}
