/**
 * CSV in and out, shared by the CLI (files, stdout) and Slack uploads (bytes): RFC 4180 via the
 * node-csv project, UTF-8 or UTF-16 with a byte order mark, bounded records. No domain rules here.
 */
import { createReadStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TextDecoder } from 'node:util';
import { CsvError, parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import type { RowSource, SourceRow } from './licensing/transfer/ports.js';
import { InvalidSourceError } from './licensing/transfer/table.js';

/** How a file's bytes were read as text: UTF-8, or UTF-16 announced by a byte order mark. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** A record longer than this stops the reading: a file of one endless line (/dev/zero, say) is bounded. */
export const MAX_RECORD_CHARACTERS = 64 * 1024;

/**
 * The text of a file, chunk by chunk: UTF-16 when it starts with a UTF-16 byte order mark, else
 * strict UTF-8 (with or without its mark). Bytes that are not UTF-8 (a file saved as Windows-1252
 * or Latin-1) end the reading with an InvalidSourceError naming the line, instead of becoming
 * U+FFFD; so does a NUL character (binary data, or UTF-16 without its mark).
 */
async function* decodeText(input: AsyncIterable<Buffer | string>, onEncoding?: (encoding: TextEncoding) => void): AsyncGenerator<string> {
  let decoder: TextDecoder | undefined;
  let line = 1;
  let head = Buffer.alloc(0);
  const checked = (text: string): string => {
    const nul = text.indexOf('\u0000');
    if (nul >= 0) {
      throw new InvalidSourceError(
        line + count(text.slice(0, nul), '\n'),
        'the file holds binary data (a NUL character), not CSV text; if it is UTF-16 text, save it as CSV UTF-8',
      );
    }
    line += count(text, '\n');
    return text;
  };
  const start = (bytes: Buffer): Buffer => {
    const encoding: TextEncoding =
      bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : 'utf-8';
    onEncoding?.(encoding);
    // The decoders drop the byte order mark themselves.
    decoder = new TextDecoder(encoding, { fatal: true });
    return bytes;
  };
  const decode = (bytes: Buffer, stream: boolean): string => {
    try {
      return (decoder as TextDecoder).decode(bytes, { stream });
    } catch {
      // Where the first undecodable byte is: the text before it, decoded leniently, says which line.
      const before = new TextDecoder('utf-8').decode(bytes).split('\uFFFD')[0] ?? '';
      throw new InvalidSourceError(
        line + count(before, '\n'),
        'the file is not UTF-8 text (it may be Windows-1252 or Latin-1); save it as CSV UTF-8 (in Excel: CSV UTF-8 (Comma delimited)) and import it again',
      );
    }
  };
  for await (const chunk of input) {
    if (typeof chunk === 'string') {
      yield checked(chunk);
      continue;
    }
    if (!decoder) {
      // A byte order mark needs the first three bytes.
      head = Buffer.concat([head, chunk]);
      if (head.length < 3) continue;
      yield checked(decode(start(head), true));
      continue;
    }
    yield checked(decode(chunk, true));
  }
  if (!decoder && head.length) yield checked(decode(start(head), true));
  if (decoder) yield checked(decode(Buffer.alloc(0), false));
}

function count(text: string, char: string): number {
  let n = 0;
  for (let i = text.indexOf(char); i >= 0; i = text.indexOf(char, i + 1)) n += 1;
  return n;
}

/**
 * Reads CSV (RFC 4180 quoting, UTF-8 or UTF-16 with a byte order mark) record by record, with the
 * line each record starts on. Blank lines and rows of empty cells are skipped; rows keep their own
 * number of fields so the caller can report a wrong count. A malformed or undecodable file ends in
 * an InvalidSourceError naming the line.
 */
export async function* readCsv(
  input: Readable,
  options: { onEncoding?: (encoding: TextEncoding) => void } = {},
): AsyncGenerator<SourceRow> {
  const parser = parse({
    bom: true,
    info: true,
    // A file saved on Windows and edited elsewhere can mix both line endings.
    record_delimiter: ['\r\n', '\n'],
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    max_record_size: MAX_RECORD_CHARACTERS,
  });
  // pipeline destroys the parser with the source's error (a missing file, bytes that are not
  // text), so it surfaces below.
  const piping = pipeline(Readable.from(decodeText(input, options.onEncoding)), parser).catch(() => undefined);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      // info.lines is where the record ends; a quoted field may span lines.
      const spanned = record.reduce((n, field) => n + (field.match(/\n/g)?.length ?? 0), 0);
      yield { line: info.lines - spanned, values: record };
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      if (error.code === 'CSV_MAX_RECORD_SIZE')
        throw new InvalidSourceError(line, `a record is longer than ${MAX_RECORD_CHARACTERS.toLocaleString('en-US')} characters`);
      const why = error.message.replace(/^[^:]*:\s*/, '').replace(/\s+/g, ' ');
      throw new InvalidSourceError(line, `the file is not valid CSV (${why.length > 160 ? `${why.slice(0, 159)}…` : why})`);
    }
    throw error;
  } finally {
    input.destroy();
    await piping;
  }
}

/** A row source that re-reads the file on every pass. */
export function csvFileRows(path: string, options: { onEncoding?: (encoding: TextEncoding) => void } = {}): RowSource {
  return () => readCsv(createReadStream(path), options);
}

/**
 * Writes a header and records as CSV to `out`, with backpressure, leaving `out` open (it may be
 * process.stdout).
 */
export async function writeCsv(out: Writable, columns: readonly string[], records: AsyncIterable<string[]>): Promise<void> {
  await pipeline(Readable.from(records), stringify({ header: true, columns: [...columns] }), out, { end: false });
}
