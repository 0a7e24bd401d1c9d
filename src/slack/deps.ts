import type { LicensingDeps } from '../licensing/deps.js';
import type { Logger } from '../logger.js';

/** What the Slack listeners need. */
export interface SlackDeps {
  licensing: LicensingDeps;
  logger: Logger;
}
