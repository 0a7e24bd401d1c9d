import { isAdmin } from '../../../licensing/admins.js';
import { reclaimSummary } from '../../../licensing/reclaim/reclaim.js';
import { buildReclaimSummary } from '../../views/reclaim.js';
import type { CommandContext } from './context.js';

/** `/license reclaim`: idle seats per type with their cost; admins get a Reclaim button per type. */
export async function handleReclaimCommand(ctx: CommandContext): Promise<void> {
  const { services } = ctx.deps;
  const [summary, canReclaim] = await Promise.all([reclaimSummary(services), isAdmin(services, ctx.actor.userId)]);
  await ctx.reply(buildReclaimSummary(summary, { canReclaim }));
}
