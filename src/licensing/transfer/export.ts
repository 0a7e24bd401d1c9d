import { requireAdmin } from '../admins.js';
import { audit } from '../audit.js';
import type { LicensingDeps } from '../deps.js';
import type { Actor } from '../model.js';
import type { ExportStore } from './ports.js';

/** A named export: its CSV header and its records, streamed. */
export interface ExportTable {
  columns: readonly string[];
  records: AsyncIterable<string[]>;
}

export const exportKinds = ['learners', 'history', 'audit'] as const;
export type ExportKind = (typeof exportKinds)[number];

const join = (values: readonly string[] | undefined) => (values ?? []).join(';');

import { spreadsheetSafe } from './table.js';

export { spreadsheetSafe } from './table.js';

/** Learners in email order; the columns are the ones `import learners` reads back. */
export function learnerExport(store: ExportStore): ExportTable {
  return {
    columns: ['email', 'name', 'groups', 'status', 'licenseTypes'],
    records: (async function* () {
      for await (const l of store.learnersByEmail()) yield [l.email, l.name, join(l.groups), l.status, join(l.licenseTypes)];
    })(),
  };
}

/** The learners export an admin asks for from Slack (their App Home): refused and audited like any admin action. */
export async function learnerExportFor(deps: LicensingDeps & { exports: ExportStore }, actor: Actor): Promise<ExportTable> {
  await requireAdmin(deps, actor, 'export.learners');
  await audit(deps, actor, 'export.learners', {}, 'applied');
  return learnerExport(deps.exports);
}

/** One row per assignment, oldest first; revokedAt is empty while the license is held. */
export function historyExport(store: ExportStore): ExportTable {
  return {
    columns: ['email', 'licenseType', 'assignedAt', 'revokedAt', 'actor', 'source', 'reason'],
    records: (async function* () {
      for await (const a of store.assignmentsByTime()) {
        yield [a.email, a.licenseType, a.assignedAt.toISOString(), a.revokedAt?.toISOString() ?? '', a.actor, a.source, a.reason];
      }
    })(),
  };
}

/** Audit events in time order, details as JSON. */
export function auditExport(store: ExportStore): ExportTable {
  return {
    columns: ['at', 'actor', 'action', 'outcome', 'code', 'learnerEmail', 'from', 'to', 'channelId', 'source', 'details'],
    records: (async function* () {
      for await (const e of store.auditByTime()) {
        yield [
          e.at.toISOString(),
          e.actor,
          e.action,
          e.outcome,
          e.code ?? '',
          e.learnerEmail ?? '',
          join(e.from),
          join(e.to),
          e.channelId ?? '',
          e.source,
          e.details ? JSON.stringify(e.details) : '',
        ];
      }
    })(),
  };
}

/**
 * The export of the given kind, every cell spreadsheet-safe: names, groups, reasons and the
 * platform's messages come from people, and a cell starting with = + - @ would run as a formula in
 * whoever opens the file (`import learners` undoes it, so an export still imports back as it was).
 */
export function exportTable(store: ExportStore, kind: ExportKind): ExportTable {
  const table = kind === 'learners' ? learnerExport(store) : kind === 'history' ? historyExport(store) : auditExport(store);
  return { columns: table.columns, records: safeRecords(table.records) };
}

async function* safeRecords(records: AsyncIterable<string[]>): AsyncGenerator<string[]> {
  for await (const record of records) yield record.map(spreadsheetSafe);
}
