import type { webApi } from '@slack/bolt';
import type { LicensingDeps } from '../../licensing/deps.js';
import type { Learner } from '../../licensing/model.js';
import type { ChangeMode } from '../ids.js';
import { buildChangeModal } from '../views/change-modal.js';

/** Opens the change modal, pre-filled with a learner when one is known. */
export async function openChangeModal(
  client: webApi.WebClient,
  deps: LicensingDeps,
  input: { triggerId: string; mode: ChangeMode; channelId?: string; learner: Learner | null },
): Promise<void> {
  const types = await deps.store.listLicenseTypes();
  const metadata = {
    mode: input.mode,
    ...(input.channelId ? { channelId: input.channelId } : {}),
    ...(input.learner ? { learnerId: input.learner.id } : {}),
  };
  await client.views.open({ trigger_id: input.triggerId, view: buildChangeModal({ metadata, learner: input.learner, types }) });
}
