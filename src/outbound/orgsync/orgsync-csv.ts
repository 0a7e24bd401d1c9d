import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import type { LearnerSnapshot, SyncLicenseType } from '../../licensing/sync/ports.js';
import { spreadsheetSafe } from '../../licensing/transfer/export.js';

/**
 * LinkedIn Learning's Org Sync users file ("Add users by CSV" template): one row per learner, a
 * column per license type saying whether the learner holds it. Written as UTF-8 without a BOM,
 * LF line endings, a header row, RFC 4180 quoting (csv-stringify), every cell spreadsheet-safe.
 */

/** The fixed columns, in the template's order and spelling. */
export const ORGSYNC_USER_COLUMNS = [
  'unique_user_id',
  'invited_email_address',
  'preferred_first_name',
  'preferred_last_name',
  'groups',
  'worker_status',
] as const;

/** How a license column is named: the optional budget group prefix (`ORGSYNC_BUDGET_GROUP`). */
export interface OrgSyncColumnOptions {
  budgetGroup?: string;
}

/** A value of `worker_status` and of every license status column. */
export type OrgSyncStatus = 'active' | 'inactive';

/** One users-file row read back. Cells are as written, so a neutralised name keeps its quote. */
export interface OrgSyncUserRow {
  /** The file's line the row starts on (the header is line 1). */
  line: number;
  userId: string;
  email: string;
  firstName: string;
  lastName: string;
  groups: string[];
  status: OrgSyncStatus;
  /** Keys of the license types whose column says `active`. */
  licenses: Set<string>;
}

/** The file is not an Org Sync users file for these license types, or a row is unreadable. */
export class OrgSyncFileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'OrgSyncFileError';
  }
}

// Rows are stringified in batches: one csv-stringify call per row costs more than the row itself.
const BATCH_ROWS = 500;

/**
 * Lower case, accents folded to their base letter, every run of other characters turned into one
 * `_`, no `_` at either end: "Learning Pro (EMEA)" → `learning_pro_emea`.
 */
export function orgSyncSlug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * The status column of one license type: `[<budget group>_]license_<slug of platformName>_status`,
 * or the platformName itself when it is already a column name (ends in `_status`).
 */
export function licenseStatusColumn(type: SyncLicenseType, options: OrgSyncColumnOptions = {}): string {
  const platformName = type.platformName.trim();
  // An admin who copied the exact column from LinkedIn's template must get exactly that column.
  if (platformName.endsWith('_status')) return platformName;
  // A name with no Latin letters or digits (say, CJK only) has an empty slug; the key always has one.
  const slug = orgSyncSlug(platformName) || orgSyncSlug(type.key);
  if (!slug) throw new OrgSyncFileError(`The license type "${type.key}" has no letters or digits to name its Org Sync column.`);
  const group = options.budgetGroup ? orgSyncSlug(options.budgetGroup) : '';
  return `${group ? `${group}_` : ''}license_${slug}_status`;
}

/** The header row: the fixed columns, then one status column per license type, in the given order. */
export function orgSyncHeader(licenseTypes: readonly SyncLicenseType[], options: OrgSyncColumnOptions = {}): string[] {
  const header: string[] = [...ORGSYNC_USER_COLUMNS];
  const owner = new Map<string, string>();
  for (const type of licenseTypes) {
    const column = licenseStatusColumn(type, options);
    const taken = owner.get(column) ?? (header.includes(column) ? column : undefined);
    // Two types in one column would make the platform apply whichever comes last.
    if (taken !== undefined) {
      throw new OrgSyncFileError(`The license types "${taken}" and "${type.key}" would both be written to the Org Sync column ${column}.`);
    }
    owner.set(column, type.key);
    header.push(column);
  }
  return header;
}

/** Splits a full name on its last space: "Jean de la Croix" → ["Jean de la", "Croix"]. */
export function splitName(name: string): [first: string, last: string] {
  const trimmed = name.trim().replace(/\s+/g, ' ');
  const at = trimmed.lastIndexOf(' ');
  return at < 0 ? [trimmed, ''] : [trimmed.slice(0, at), trimmed.slice(at + 1)];
}

/** One learner's row, cells in `orgSyncHeader` order, each one spreadsheet-safe. */
export function orgSyncRow(snapshot: LearnerSnapshot, licenseTypes: readonly SyncLicenseType[]): string[] {
  const [first, last] = splitName(snapshot.name);
  const held = new Set(snapshot.licenseTypes);
  const cells = [
    snapshot.learnerId,
    snapshot.email,
    first,
    last,
    snapshot.groups.join(','),
    snapshot.status === 'active' ? 'active' : 'inactive',
    ...licenseTypes.map((type) => (held.has(type.key) ? 'active' : 'inactive')),
  ];
  // Every cell, not only names: groups and ids come from imports too. Ids are hex and emails
  // start with a letter or digit, so in practice only free text ever gets the quote.
  return cells.map(spreadsheetSafe);
}

/**
 * The whole file as text chunks (header first, then a few hundred rows per chunk), pulled from
 * `rows` as the reader asks for more, so a 100,000-learner file never sits in memory.
 * `onRow` counts the rows written.
 */
export async function* orgSyncCsvChunks(
  rows: AsyncIterable<LearnerSnapshot>,
  licenseTypes: readonly SyncLicenseType[],
  options: OrgSyncColumnOptions & { onRow?: () => void } = {},
): AsyncGenerator<string> {
  const format = { record_delimiter: 'unix' } as const;
  yield stringify([orgSyncHeader(licenseTypes, options)], format);
  let batch: string[][] = [];
  for await (const snapshot of rows) {
    batch.push(orgSyncRow(snapshot, licenseTypes));
    options.onRow?.();
    if (batch.length >= BATCH_ROWS) {
      yield stringify(batch, format);
      batch = [];
    }
  }
  if (batch.length > 0) yield stringify(batch, format);
}

/**
 * Reads an Org Sync users file back, row by row, given the license types it was written for
 * (the header must be exactly theirs). Used by tests and by the product's verify step.
 */
export async function* parseOrgSyncUsers(
  input: Readable | string | Buffer,
  licenseTypes: readonly SyncLicenseType[],
  options: OrgSyncColumnOptions = {},
): AsyncGenerator<OrgSyncUserRow> {
  const expected = orgSyncHeader(licenseTypes, options);
  const parser = parse({ bom: true, info: true, record_delimiter: ['\r\n', '\n'], relax_column_count: true, skip_empty_lines: true });
  const source = typeof input === 'string' || Buffer.isBuffer(input) ? Readable.from([input]) : input;
  // pipeline destroys the parser with the input's error (a missing file, say), so it surfaces below.
  const piping = pipeline(source, parser).catch(() => undefined);
  let header = true;
  try {
    for await (const { record: cells, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      // info.lines is where the record ends; a quoted cell may span lines.
      const line = info.lines - cells.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
      if (header) {
        header = false;
        if (cells.join('\u0000') !== expected.join('\u0000')) {
          throw new OrgSyncFileError(`The header is "${cells.join(',')}", expected "${expected.join(',')}".`, line);
        }
        continue;
      }
      if (cells.length !== expected.length) {
        throw new OrgSyncFileError(`Line ${line} has ${cells.length} cells, expected ${expected.length}.`, line);
      }
      const [userId = '', email = '', firstName = '', lastName = '', groups = '', status = ''] = cells;
      const licenses = new Set<string>();
      licenseTypes.forEach((type, i) => {
        const value = cells[ORGSYNC_USER_COLUMNS.length + i];
        if (value === 'active') licenses.add(type.key);
        else if (value !== 'inactive')
          throw new OrgSyncFileError(`Line ${line}: ${expected[ORGSYNC_USER_COLUMNS.length + i]} is "${value}".`, line);
      });
      if (status !== 'active' && status !== 'inactive') throw new OrgSyncFileError(`Line ${line}: worker_status is "${status}".`, line);
      yield { line, userId, email, firstName, lastName, groups: groups === '' ? [] : groups.split(','), status, licenses };
    }
  } catch (error) {
    if (error instanceof CsvError) throw new OrgSyncFileError(`The file is not valid CSV (${error.message.replace(/^[^:]*:\s*/, '')}).`);
    throw error;
  } finally {
    source.destroy();
    await piping;
  }
}
