import type { AppServices } from '../licensing/app-services.js';
import type { PeopleDirectory } from '../licensing/people/ports.js';
import type { ChartRenderer } from '../licensing/report/ports.js';
import type { DirectorySource } from '../licensing/sync/ports.js';
import type { Logger } from '../logger.js';
import type { HomePublisher } from './support/home-publisher.js';

/** What the Slack listeners need. */
export interface SlackDeps {
  /** Everything the licensing use cases take: the stores and the settings. */
  services: AppServices;
  /** Queues the background job of an approved bulk request (idempotent), at `at` for a scheduled one. */
  scheduleBulkJob(requestId: string, at?: Date): Promise<void>;
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
  /** Runs the reclaim sweep now (a round just started: its questions go out at once). */
  runReclaimSweep(): Promise<void>;
  /** Draws the seat report's chart. */
  chart: ChartRenderer;
  /** Downloads files people share with the bot (a usage report in its DM). */
  botToken: string;
  /** SLACK_API_URL: files on its host may be downloaded with the token (tests' fake Slack). */
  apiUrl: string;
  logger: Logger;
}
