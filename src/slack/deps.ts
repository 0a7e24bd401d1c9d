import type { BulkDeps } from '../licensing/bulk/ports.js';
import type { Logger } from '../logger.js';

/** What the Slack listeners need. */
export interface SlackDeps {
  /** Everything the licensing use cases take: the stores and the settings. */
  services: BulkDeps;
  /** Queues the background job of an approved bulk request (idempotent). */
  scheduleBulkJob(requestId: string): Promise<void>;
  /** Where approval requests go; unset → the channel the request was made in. */
  approvalChannelId?: string;
  logger: Logger;
}
