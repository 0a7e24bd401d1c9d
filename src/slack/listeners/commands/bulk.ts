import { requireAdmin } from '../../../licensing/admins.js';
import { userTimeZone } from '../../support/time-zone.js';
import { buildBulkModal } from '../../views/bulk-modal.js';
import type { CommandContext } from './context.js';

/** `/license bulk`: opens the bulk form (admins only). */
export async function handleBulkCommand(ctx: CommandContext): Promise<void> {
  const { services } = ctx.deps;
  await requireAdmin(services, ctx.actor, 'bulk.open');
  const [types, groups, timeZone] = await Promise.all([
    services.store.listLicenseTypes(),
    services.store.listGroups(100),
    userTimeZone(ctx.client, ctx.actor.userId, ctx.deps.logger),
  ]);
  await ctx.client.views.open({
    trigger_id: ctx.triggerId,
    view: buildBulkModal({ ...(ctx.actor.channelId ? { channelId: ctx.actor.channelId } : {}), timeZone, types, groups }),
  });
}
