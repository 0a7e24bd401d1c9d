import type { Connection } from 'mongoose';
import type { BulkDraftStore, BulkStore, LeadStore } from '../licensing/bulk/ports.js';
import type { AdminStore, LicensingStore } from '../licensing/ports.js';
import type { ChangeRequestStore } from '../licensing/single/ports.js';
import type { SyncControlStore, SyncStateStore } from '../licensing/sync/ports.js';
import type { ExportStore, ImportStore } from '../licensing/transfer/ports.js';
import { withDatabaseErrors as guard } from './errors.js';
import { ensureIndexes } from './models/index.js';
import { createAdminRepository } from './repositories/admins.js';
import { createAuditRepository } from './repositories/audit.js';
import { createBulkRequestRepository } from './repositories/bulk-requests.js';
import { createChangeRequestRepository } from './repositories/change-requests.js';
import { createDraftRepository } from './repositories/drafts.js';
import { createExportRepository } from './repositories/export.js';
import { createHistoryRepository } from './repositories/history.js';
import { createImportRepository } from './repositories/import.js';
import { createLeadRepository } from './repositories/leads.js';
import { createLearnerRepository } from './repositories/learners.js';
import { createLicenseTypeRepository } from './repositories/license-types.js';
import { createOperationRepository } from './repositories/operations.js';
import { createSyncControlRepository } from './repositories/sync-control.js';
import { createSyncStateRepository } from './repositories/sync-states.js';

/**
 * Every store the domain declares, over one connection. The field names are the ones the
 * licensing deps use, so a composition root spreads them: `{ ...repositories, now, … }`.
 */
export interface Repositories {
  /** License types, learners, operations, history and audit: what the operation engine needs. */
  store: LicensingStore;
  admins: AdminStore;
  changeRequests: ChangeRequestStore;
  bulk: BulkStore;
  leads: LeadStore;
  drafts: BulkDraftStore;
  imports: ImportStore;
  exports: ExportStore;
  /** The sync outbox (its writes by the operation engine go through `store`). */
  syncStates: SyncStateStore;
  syncControl: SyncControlStore;
}

/**
 * The one place stores are wired: creates every collection and index once, then builds each
 * repository wrapped so that an unreachable database is the domain's `database_unavailable`
 * (and `onDatabaseError` hears of every failed call).
 */
export async function openRepositories(
  connection: Connection,
  options: { onDatabaseError?(unavailable: boolean): void } = {},
): Promise<Repositories> {
  await ensureIndexes(connection);
  const withDatabaseErrors = <T extends object>(repository: T) => guard(repository, options.onDatabaseError);
  const syncStates = createSyncStateRepository(connection);
  return {
    store: withDatabaseErrors({
      ...createLicenseTypeRepository(connection),
      ...createLearnerRepository(connection),
      ...createOperationRepository(connection),
      ...createHistoryRepository(connection),
      ...createAuditRepository(connection),
      recordSettledChanges: syncStates.recordSettledChanges,
    }),
    admins: withDatabaseErrors(createAdminRepository(connection)),
    changeRequests: withDatabaseErrors(createChangeRequestRepository(connection)),
    bulk: withDatabaseErrors(createBulkRequestRepository(connection)),
    leads: withDatabaseErrors(createLeadRepository(connection)),
    drafts: withDatabaseErrors(createDraftRepository(connection)),
    imports: withDatabaseErrors(createImportRepository(connection)),
    exports: withDatabaseErrors(createExportRepository(connection)),
    syncStates: withDatabaseErrors(syncStates),
    syncControl: withDatabaseErrors(createSyncControlRepository(connection)),
  };
}

export { connectDatabase, type Database } from './connection.js';
export { type Models, modelsFor } from './models/index.js';
