import type { webApi } from '@slack/bolt';
import { requireAdmin } from '../../licensing/admins.js';
import type { AppServices } from '../../licensing/app-services.js';
import type { Actor } from '../../licensing/model.js';
import { buildBulkModal } from '../views/bulk-modal.js';

/** Opens the bulk form for an admin (from `/license bulk` or the Home's Bulk change). */
export async function openBulkModal(client: webApi.WebClient, services: AppServices, actor: Actor, triggerId: string): Promise<void> {
  await requireAdmin(services, actor, 'bulk.open');
  const [types, groups] = await Promise.all([services.store.listLicenseTypes(), services.store.listGroups(100)]);
  await client.views.open({
    trigger_id: triggerId,
    view: buildBulkModal({ ...(actor.channelId ? { channelId: actor.channelId } : {}), types, groups }),
  });
}
