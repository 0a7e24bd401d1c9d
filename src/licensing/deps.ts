import type { AdminStore, LicensingStore } from './ports.js';
import type { ChangeRequestStore } from './single/ports.js';

/** What the licensing use cases need, handed in by the composition root. */
export interface LicensingDeps {
  store: LicensingStore;
  admins: AdminStore;
  changeRequests: ChangeRequestStore;
  /** Admins from LICENSE_ADMINS: always admins, not removable from Slack. */
  configAdmins: readonly string[];
  /** Identifies this process in operation leases. */
  processId: string;
  now: () => Date;
  /** True when a learning platform is synced (SYNC_TARGET is not `none`): changes then go to the outbox. */
  syncChanges?: boolean;
  /** True with LEARNER_NOTICES=on: learners whose licenses an admin changes are told in a DM. */
  learnerNotices?: boolean;
}
