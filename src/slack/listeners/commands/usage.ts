import { requireAdmin } from '../../../licensing/admins.js';
import { listUsageImports } from '../../../licensing/usage/usage-import.js';
import { buildUsageHelpMessage } from '../../views/reclaim.js';
import type { CommandContext } from './context.js';

/** `/license usage`: how to send a usage report (a CSV in the bot's DM) and the latest imports. */
export async function handleUsageCommand(ctx: CommandContext): Promise<void> {
  await requireAdmin(ctx.deps.services, ctx.actor, 'usage.import');
  await ctx.reply(buildUsageHelpMessage(await listUsageImports(ctx.deps.services, 5)));
}
