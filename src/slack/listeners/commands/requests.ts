import { isAdmin } from '../../../licensing/admins.js';
import { isLead } from '../../../licensing/bulk/leads.js';
import { listPendingBulkRequests } from '../../../licensing/bulk/requests.js';
import { buildRequestsMessage } from '../../views/bulk-lists.js';
import type { CommandContext } from './context.js';

/** `/license requests`: bulk changes waiting for a lead; Approve / Reject only for admins and leads. */
export async function handleRequestsCommand(ctx: CommandContext): Promise<void> {
  const { services } = ctx.deps;
  const userId = ctx.actor.userId;
  const [pending, types, decides] = await Promise.all([
    listPendingBulkRequests(services, 20),
    services.store.listLicenseTypes(),
    (async () => (await isLead(services, userId)) || (await isAdmin(services, userId)))(),
  ]);
  await ctx.reply(buildRequestsMessage(pending, new Map(types.map((t) => [t.key, t.name])), { withButtons: decides }));
}
