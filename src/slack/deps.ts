import type { AppServices } from '../licensing/app-services.js';
import type { PeopleDirectory } from '../licensing/people/ports.js';
import type { DirectorySource } from '../licensing/sync/ports.js';
import type { Logger } from '../logger.js';
import type { HomePublisher } from './support/home-publisher.js';

/** What the Slack listeners need. */
export interface SlackDeps {
  /** Everything the licensing use cases take: the stores and the settings. */
  services: AppServices;
  /** Queues the background job of an approved bulk request (idempotent). */
  scheduleBulkJob(requestId: string): Promise<void>;
  /** Where approval requests go; unset → the channel the request was made in. */
  approvalChannelId?: string;
  /** Where learners' license requests go (REQUESTS_CHANNEL_ID); unset → the approval channel, else an admin's DM. */
  requestsChannelId?: string;
  /** Keeps App Homes current; made by createSlackApp. */
  homes: HomePublisher;
  /** Slack users' emails (cached): who is a learner. */
  people: PeopleDirectory;
  /** Sync on demand: runs the push round or file delivery now; the directory for verify (SCIM). */
  sync: { runNow(): Promise<void>; directory?: DirectorySource };
  logger: Logger;
}
