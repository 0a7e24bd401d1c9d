import type { webApi } from '@slack/bolt';
import { listAdmins } from '../../licensing/admins.js';
import type { LicensingDeps } from '../../licensing/deps.js';
import type { SyncNotifier } from '../../licensing/sync/ports.js';
import type { Logger } from '../../logger.js';
import { tellUser } from '../support/post.js';
import type { Message } from '../views/blocks.js';
import { buildSyncPausedNotice, buildSyncResumedNotice } from '../views/sync-status.js';

/** Tells every admin in a DM when sync pauses on refused credentials, and when it resumes. */
export function createSlackSyncNotifier(input: { client: webApi.WebClient; deps: LicensingDeps; logger: Logger }): SyncNotifier {
  const tellAdmins = async (message: Message) => {
    for (const admin of await listAdmins(input.deps)) {
      await tellUser(input.client, admin.userId, message).catch((error: unknown) =>
        input.logger.warn('could not tell an admin about sync', { user: admin.userId, error }),
      );
    }
  };
  return {
    paused: (reason, target) => tellAdmins(buildSyncPausedNotice(target, reason)),
    resumed: (target) => tellAdmins(buildSyncResumedNotice(target)),
  };
}
