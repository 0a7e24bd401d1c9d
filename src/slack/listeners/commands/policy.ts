import { policyOverview } from '../../../licensing/policy/overview.js';
import { buildPolicyMessage } from '../../views/grants.js';
import type { CommandContext } from './context.js';

/** `/license policy`: the approval policy and grant limits in force (admins). */
export async function handlePolicyCommand(ctx: CommandContext): Promise<void> {
  await ctx.reply(buildPolicyMessage(await policyOverview(ctx.deps.services, ctx.actor)));
}
