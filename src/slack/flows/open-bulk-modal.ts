import type { webApi } from '@slack/bolt';
import { requireAdmin } from '../../licensing/admins.js';
import type { AppServices } from '../../licensing/app-services.js';
import type { Actor } from '../../licensing/model.js';
import type { Logger } from '../../logger.js';
import { userTimeZone } from '../support/time-zone.js';
import { buildBulkModal } from '../views/bulk-modal.js';

/**
 * Opens the bulk form for an admin (from `/license bulk` or the Home's Bulk change), its "apply at"
 * and "until" pickers in the admin's own time zone.
 */
export async function openBulkModal(
  client: webApi.WebClient,
  services: AppServices,
  actor: Actor,
  triggerId: string,
  logger: Logger,
): Promise<void> {
  await requireAdmin(services, actor, 'bulk.open');
  const [types, groups, timeZone] = await Promise.all([
    services.store.listLicenseTypes(),
    services.store.listGroups(100),
    userTimeZone(client, actor.userId, logger),
  ]);
  await client.views.open({
    trigger_id: triggerId,
    view: buildBulkModal({ ...(actor.channelId ? { channelId: actor.channelId } : {}), timeZone, types, groups }),
  });
}
