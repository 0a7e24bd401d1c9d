import { Readable, Writable } from 'node:stream';
import { readCsv, writeCsv } from '../../src/csv.js';
import type { SourceRow } from '../../src/licensing/transfer/ports.js';
import { InvalidSourceError } from '../../src/licensing/transfer/table.js';

async function rowsOf(text: string): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const row of readCsv(Readable.from([text]))) rows.push(row);
  return rows;
}

async function csvText(columns: string[], records: string[][]): Promise<string> {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  await writeCsv(
    out,
    columns,
    (async function* () {
      yield* records;
    })(),
  );
  expect(out.writableEnded).toBe(false);
  return text;
}

describe('reading CSV', () => {
  it('numbers each record by the line it starts on, across blank lines and quoted line breaks', async () => {
    const rows = await rowsOf('email,name\r\na@example.com,Ann\r\n\r\n"b@example.com","Bob\nthe second"\nc@example.com,Cy\n');
    expect(rows).toEqual([
      { line: 1, values: ['email', 'name'] },
      { line: 2, values: ['a@example.com', 'Ann'] },
      { line: 4, values: ['b@example.com', 'Bob\nthe second'] },
      { line: 6, values: ['c@example.com', 'Cy'] },
    ]);
  });

  it('drops a byte order mark and skips rows whose cells are all empty', async () => {
    const rows = await rowsOf('\ufeffemail,name\n,\na@example.com,"Ann, Jr."\n');
    expect(rows).toEqual([
      { line: 1, values: ['email', 'name'] },
      { line: 3, values: ['a@example.com', 'Ann, Jr.'] },
    ]);
  });

  it('keeps rows with too few or too many fields so the importer can report them', async () => {
    const rows = await rowsOf('a,b,c\n1,2\n1,2,3,4\n');
    expect(rows.map((row) => row.values.length)).toEqual([3, 2, 4]);
  });

  it('ends with an InvalidSourceError naming the line when a quote is never closed', async () => {
    const error = await rowsOf('email,name\na@example.com,"Ann\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSourceError);
    expect(error).toMatchObject({ line: 2 });
    expect((error as Error).message).toMatch(/not valid CSV/);
  });
});

describe('writing CSV', () => {
  it('quotes commas, quotes and line breaks as RFC 4180 says and leaves the output open', async () => {
    const text = await csvText(
      ['name', 'note'],
      [
        ['Ann, Jr.', 'said "hi"'],
        ['Bob', 'two\nlines'],
        ['Cy', ''],
      ],
    );
    expect(text).toBe('name,note\n"Ann, Jr.","said ""hi"""\nBob,"two\nlines"\nCy,\n');
  });

  it('reads back exactly what it wrote', async () => {
    const records = [
      ['email', 'name'],
      ['a@example.com', 'O\'Brien, "Ann"'],
      ['b@example.com', 'line\nbreak'],
    ];
    const text = await csvText(records[0]!, records.slice(1));
    expect((await rowsOf(text)).map((row) => row.values)).toEqual(records);
  });

  it('writes only the header when there are no records', async () => {
    expect(await csvText(['a', 'b'], [])).toBe('a,b\n');
  });
});
