import type { AdminStore, ChangeRequestStore, LicensingStore } from './ports.js';

/** What the licensing use cases need, handed in by the composition root. */
export interface LicensingDeps {
  store: LicensingStore;
  adminStore: AdminStore;
  changeRequests: ChangeRequestStore;
  /** Admins from LICENSE_ADMINS: always admins, not removable from Slack. */
  configAdmins: readonly string[];
  /** Identifies this process in operation leases. */
  processId: string;
  now: () => Date;
}

/** Who is acting, and where. */
export interface Actor {
  userId: string;
  channelId?: string;
}
