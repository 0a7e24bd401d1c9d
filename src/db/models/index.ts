import type { Connection } from 'mongoose';
import { adminSchema } from './admin.js';
import { assignmentSchema } from './assignment.js';
import { auditSchema } from './audit.js';
import { bulkRequestSchema } from './bulk-request.js';
import { changeRequestSchema } from './change-request.js';
import { draftSchema } from './draft.js';
import { extensionSchema, grantEndClaimSchema, grantSchema } from './grant.js';
import { homeViewerSchema } from './home-viewer.js';
import { leadSchema } from './lead.js';
import { learnerSchema } from './learner.js';
import { licenseRequestSchema } from './license-request.js';
import { licenseTypeSchema } from './license-type.js';
import { noticeSchema } from './notice.js';
import { operationSchema } from './operation.js';
import { reclaimRoundSchema } from './reclaim-round.js';
import { slackIdentitySchema } from './slack-identity.js';
import { syncControlSchema, syncDriftSchema } from './sync-control.js';
import { syncStateSchema } from './sync-state.js';
import { usageImportSchema } from './usage-import.js';

export type { AdminDoc } from './admin.js';
export type { AssignmentDoc } from './assignment.js';
export type { AuditDoc } from './audit.js';
export { BULK_STATUSES, type BulkRequestDoc } from './bulk-request.js';
export type { ChangeRequestDoc } from './change-request.js';
export type { DraftDoc } from './draft.js';
export type { ExtensionDoc, GrantDoc, GrantEndClaimDoc } from './grant.js';
export type { HomeViewerDoc } from './home-viewer.js';
export type { LeadDoc } from './lead.js';
export type { LearnerDoc, ReclaimAskDoc } from './learner.js';
export type { LicenseRequestDoc } from './license-request.js';
export type { LicenseTypeDoc } from './license-type.js';
export type { NoticeDoc } from './notice.js';
export type { OperationDoc, OpItemGroupDoc } from './operation.js';
export type { ReclaimRoundDoc } from './reclaim-round.js';
export type { SlackIdentityDoc } from './slack-identity.js';
export type { SyncControlDoc, SyncDriftDoc } from './sync-control.js';
export type { SyncStateDoc } from './sync-state.js';
export type { UsageImportDoc } from './usage-import.js';

/**
 * Every Mongoose model of the app, registered on one connection: the one registry. Each schema
 * file names, beside every index, the query it backs.
 */
function buildModels(connection: Connection) {
  return {
    LicenseType: connection.model('LicenseType', licenseTypeSchema),
    Learner: connection.model('Learner', learnerSchema),
    Assignment: connection.model('Assignment', assignmentSchema),
    Audit: connection.model('Audit', auditSchema),
    Operation: connection.model('Operation', operationSchema),
    Admin: connection.model('Admin', adminSchema),
    ChangeRequest: connection.model('ChangeRequest', changeRequestSchema),
    BulkRequest: connection.model('BulkRequest', bulkRequestSchema),
    Lead: connection.model('Lead', leadSchema),
    BulkDraft: connection.model('BulkDraft', draftSchema),
    SyncState: connection.model('SyncState', syncStateSchema),
    SyncControl: connection.model('SyncControl', syncControlSchema),
    SyncDrift: connection.model('SyncDrift', syncDriftSchema),
    UsageImport: connection.model('UsageImport', usageImportSchema),
    ReclaimRound: connection.model('ReclaimRound', reclaimRoundSchema),
    Grant: connection.model('Grant', grantSchema),
    GrantExtension: connection.model('GrantExtension', extensionSchema),
    GrantEndClaim: connection.model('GrantEndClaim', grantEndClaimSchema),
    Notice: connection.model('Notice', noticeSchema),
    SlackIdentity: connection.model('SlackIdentity', slackIdentitySchema),
    LicenseRequest: connection.model('LicenseRequest', licenseRequestSchema),
    HomeViewer: connection.model('HomeViewer', homeViewerSchema),
  };
}

/** The models bound to one connection. */
export type Models = ReturnType<typeof buildModels>;

const cache = new WeakMap<Connection, Models>();

/** Returns (and caches) the models registered on a connection. */
export function modelsFor(connection: Connection): Models {
  let models = cache.get(connection);
  if (!models) {
    models = buildModels(connection);
    cache.set(connection, models);
  }
  return models;
}

/** Creates every collection and index (idempotent); run once at start instead of Mongoose's lazy autoIndex. */
export async function ensureIndexes(connection: Connection): Promise<void> {
  for (const model of Object.values(modelsFor(connection))) {
    await model.createCollection().catch(() => undefined);
    await model.createIndexes();
  }
}
