import { addLead, listLeads, removeLead } from '../../../licensing/bulk/leads.js';
import type { ParsedCommand } from '../../parsers/command.js';
import { buildNotice, escapeMrkdwn } from '../../views/blocks.js';
import { buildLeadsMessage } from '../../views/bulk-lists.js';
import type { CommandContext } from './context.js';

/** `/license leads add|remove|list`: who approves bulk changes, optionally limited to groups. */
export async function handleLeadsCommand(ctx: CommandContext, parsed: Extract<ParsedCommand, { sub: 'leads' }>): Promise<void> {
  const { services } = ctx.deps;
  if (parsed.action === 'list') {
    await ctx.reply(buildLeadsMessage(await listLeads(services)));
    return;
  }
  if (parsed.action === 'add') {
    const result = await addLead(services, ctx.actor, parsed.userId, parsed.groups);
    ctx.deps.homes.usersChanged([parsed.userId]);
    const scope = parsed.groups.length ? ` for ${escapeMrkdwn(parsed.groups.join(', '))}` : ' for every group';
    const sentence =
      result === 'from_config'
        ? `<@${parsed.userId}> is a team lead from LICENSE_APPROVERS already (every group).`
        : `<@${parsed.userId}> is now a team lead${scope}.`;
    await ctx.reply(buildNotice(sentence));
    return;
  }
  const removed = await removeLead(services, ctx.actor, parsed.userId);
  if (removed) ctx.deps.homes.usersChanged([parsed.userId]);
  await ctx.reply(
    buildNotice(removed ? `<@${parsed.userId}> is no longer a team lead.` : `<@${parsed.userId}> was not a team lead added from Slack.`),
  );
}
