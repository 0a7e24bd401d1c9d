import type { AppServices } from '../licensing/app-services.js';
import type { DirectorySource } from '../licensing/sync/ports.js';
import type { Logger } from '../logger.js';

/** What the Slack listeners need. */
export interface SlackDeps {
  /** Everything the licensing use cases take: the stores and the settings. */
  services: AppServices;
  /** Queues the background job of an approved bulk request (idempotent), at `at` for a scheduled one. */
  scheduleBulkJob(requestId: string, at?: Date): Promise<void>;
  /** Where approval requests go; unset → the channel the request was made in. */
  approvalChannelId?: string;
  /** Sync on demand: runs the push round or file delivery now; the directory for verify (SCIM). */
  sync: { runNow(): Promise<void>; directory?: DirectorySource };
  logger: Logger;
}
