import type { webApi } from '@slack/bolt';
import type { LicensingDeps } from '../../licensing/deps.js';
import type { Learner } from '../../licensing/model.js';
import type { Logger } from '../../logger.js';
import type { ChangeMode } from '../ids.js';
import { userTimeZone } from '../support/time-zone.js';
import { buildChangeModal } from '../views/change-modal.js';

/**
 * Opens the change modal, pre-filled with a learner when one is known. The admin's time zone is
 * read from Slack first: the modal's "apply at" and "until" pickers are in it.
 */
export async function openChangeModal(
  client: webApi.WebClient,
  deps: LicensingDeps,
  input: { triggerId: string; mode: ChangeMode; channelId?: string; learner: Learner | null; userId: string; logger: Logger },
): Promise<void> {
  const [types, timeZone] = await Promise.all([deps.store.listLicenseTypes(), userTimeZone(client, input.userId, input.logger)]);
  const metadata = {
    mode: input.mode,
    ...(input.channelId ? { channelId: input.channelId } : {}),
    ...(input.learner ? { learnerId: input.learner.id } : {}),
    timeZone,
  };
  await client.views.open({ trigger_id: input.triggerId, view: buildChangeModal({ metadata, learner: input.learner, types }) });
}
