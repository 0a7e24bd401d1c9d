import { addAdmin, listAdmins, removeAdmin } from '../../../licensing/admins.js';
import type { ParsedCommand } from '../../parsers/command.js';
import { buildAdminsMessage } from '../../views/admins.js';
import { buildNotice } from '../../views/blocks.js';
import type { CommandContext } from './context.js';

/** `/license admins add|remove|list`: who may change licenses. */
export async function handleAdminsCommand(ctx: CommandContext, parsed: Extract<ParsedCommand, { sub: 'admins' }>): Promise<void> {
  const { services } = ctx.deps;
  if (parsed.action === 'list') {
    await ctx.reply(buildAdminsMessage(await listAdmins(services)));
    return;
  }
  if (parsed.action === 'add') {
    const added = await addAdmin(services, ctx.actor, parsed.userId);
    if (added) ctx.deps.homes.usersChanged([parsed.userId]);
    await ctx.reply(
      buildNotice(added ? `<@${parsed.userId}> is now a license admin.` : `<@${parsed.userId}> was already a license admin.`),
    );
    return;
  }
  const removed = await removeAdmin(services, ctx.actor, parsed.userId);
  if (removed) ctx.deps.homes.usersChanged([parsed.userId]);
  await ctx.reply(
    buildNotice(removed ? `<@${parsed.userId}> is no longer a license admin.` : `<@${parsed.userId}> was not a license admin.`),
  );
}
