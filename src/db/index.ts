import type { Connection } from 'mongoose';
import { cachedAdminStore } from '../licensing/admins.js';
import type { BulkDraftStore, BulkStore, LeadStore } from '../licensing/bulk/ports.js';
import type { HomeViewerStore } from '../licensing/home/ports.js';
import type { NoticeStore } from '../licensing/notices/ports.js';
import type { IdentityStore } from '../licensing/people/ports.js';
import type { AdminStore, LicensingStore } from '../licensing/ports.js';
import type { ReclaimStore } from '../licensing/reclaim/ports.js';
import type { ReportStore } from '../licensing/report/ports.js';
import type { ExtensionStore, GrantStore } from '../licensing/schedule/ports.js';
import type { LicenseRequestStore } from '../licensing/self-service/ports.js';
import type { ChangeRequestStore } from '../licensing/single/ports.js';
import type { SyncControlStore, SyncStateStore } from '../licensing/sync/ports.js';
import type { ExportStore, ImportStore } from '../licensing/transfer/ports.js';
import type { UsageStore } from '../licensing/usage/ports.js';
import { withDatabaseErrors as guard } from './errors.js';
import { ensureIndexes } from './models/index.js';
import { createAdminRepository } from './repositories/admins.js';
import { createAuditRepository } from './repositories/audit.js';
import { createBulkRequestRepository } from './repositories/bulk-requests.js';
import { createChangeRequestRepository } from './repositories/change-requests.js';
import { createDraftRepository } from './repositories/drafts.js';
import { createExportRepository } from './repositories/export.js';
import { createExtensionRepository, createGrantRepository, createGrantWriter } from './repositories/grants.js';
import { createHistoryRepository } from './repositories/history.js';
import { createHomeViewerRepository } from './repositories/home-viewers.js';
import { createImportRepository } from './repositories/import.js';
import { createLeadRepository } from './repositories/leads.js';
import { createLearnerRepository, rebuildSearchKeys } from './repositories/learners.js';
import { createLicenseRequestRepository } from './repositories/license-requests.js';
import { createLicenseTypeRepository } from './repositories/license-types.js';
import { createNoticeRepository } from './repositories/notices.js';
import { createOperationRepository } from './repositories/operations.js';
import { createReclaimRepository } from './repositories/reclaim.js';
import { createReportRepository } from './repositories/report.js';
import { createSlackIdentityRepository } from './repositories/slack-identities.js';
import { createSyncControlRepository } from './repositories/sync-control.js';
import { createSyncStateRepository } from './repositories/sync-states.js';
import { createUsageRepository } from './repositories/usage.js';

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
  /** Usage imports and each learner's activity. */
  usage: UsageStore;
  /** Reclaim rounds and the learners' answers. */
  reclaim: ReclaimStore;
  /** Seat use over time and top groups, for the seat report. */
  report: ReportStore;
  /** Time-bound grants (their writes by the operation engine go through `store`). */
  grants: GrantStore;
  extensions: ExtensionStore;
  /** The DM queue (the operation engine queues learners' notices through `store`). */
  notices: NoticeStore;
  identities: IdentityStore;
  licenseRequests: LicenseRequestStore;
  homeViewers: HomeViewerStore;
}

/**
 * The one place stores are wired: creates every collection and index once, brings stored data up
 * to date (search keys), then builds each repository wrapped so that an unreachable database is
 * the domain's `database_unavailable` (and `onDatabaseError` hears of every failed call).
 */
export async function openRepositories(
  connection: Connection,
  options: { onDatabaseError?(unavailable: boolean): void } = {},
): Promise<Repositories> {
  await ensureIndexes(connection);
  // Learners stored before the search keys last changed get the current ones (a no-op once done).
  await rebuildSearchKeys(connection);
  const withDatabaseErrors = <T extends object>(repository: T) => guard(repository, options.onDatabaseError);
  const syncStates = createSyncStateRepository(connection);
  const notices = createNoticeRepository(connection);
  return {
    store: withDatabaseErrors({
      ...createLicenseTypeRepository(connection),
      ...createLearnerRepository(connection),
      ...createOperationRepository(connection),
      ...createHistoryRepository(connection),
      ...createAuditRepository(connection),
      recordSettledChanges: syncStates.recordSettledChanges,
      ...createGrantWriter(connection),
      enqueueNotices: notices.enqueueNotices,
    }),
    admins: cachedAdminStore(withDatabaseErrors(createAdminRepository(connection))),
    changeRequests: withDatabaseErrors(createChangeRequestRepository(connection)),
    bulk: withDatabaseErrors(createBulkRequestRepository(connection)),
    leads: withDatabaseErrors(createLeadRepository(connection)),
    drafts: withDatabaseErrors(createDraftRepository(connection)),
    imports: withDatabaseErrors(createImportRepository(connection)),
    exports: withDatabaseErrors(createExportRepository(connection)),
    syncStates: withDatabaseErrors(syncStates),
    syncControl: withDatabaseErrors(createSyncControlRepository(connection)),
    usage: withDatabaseErrors(createUsageRepository(connection)),
    reclaim: withDatabaseErrors(createReclaimRepository(connection)),
    report: withDatabaseErrors(createReportRepository(connection)),
    grants: withDatabaseErrors(createGrantRepository(connection)),
    extensions: withDatabaseErrors(createExtensionRepository(connection)),
    notices: withDatabaseErrors(notices),
    identities: withDatabaseErrors(createSlackIdentityRepository(connection)),
    licenseRequests: withDatabaseErrors(createLicenseRequestRepository(connection)),
    homeViewers: withDatabaseErrors(createHomeViewerRepository(connection)),
  };
}

export { connectDatabase, type Database, DatabaseStartError, EMBEDDED_MONGOD_VERSION } from './connection.js';
export { type Models, modelsFor } from './models/index.js';
