import type { BulkDraftStore } from '../licensing/bulk-drafts.js';
import type { BulkDeps } from '../licensing/bulk-ports.js';
import type { LicensingDeps } from '../licensing/deps.js';
import type { Logger } from '../logger.js';

/** What the Slack listeners need. */
export interface SlackDeps {
  licensing: LicensingDeps;
  bulk: BulkDeps;
  drafts: BulkDraftStore;
  /** Queues the background job of an approved bulk request (idempotent). */
  scheduleBulkJob(requestId: string): Promise<void>;
  /** Where approval requests go; unset → the channel the request was made in. */
  approvalChannelId?: string;
  logger: Logger;
}
