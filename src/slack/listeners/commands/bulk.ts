import { requireAdmin } from '../../../licensing/admins.js';
import { buildBulkModal } from '../../views/bulk-modal.js';
import type { CommandContext } from './context.js';

/** `/license bulk`: opens the bulk form (admins only). */
export async function handleBulkCommand(ctx: CommandContext): Promise<void> {
  const { services } = ctx.deps;
  await requireAdmin(services, ctx.actor, 'bulk.open');
  const [types, groups] = await Promise.all([services.store.listLicenseTypes(), services.store.listGroups(100)]);
  await ctx.client.views.open({
    trigger_id: ctx.triggerId,
    view: buildBulkModal({ ...(ctx.actor.channelId ? { channelId: ctx.actor.channelId } : {}), types, groups }),
  });
}
