import { listPendingBulkRequests } from '../../../licensing/bulk/requests.js';
import { buildRequestsMessage } from '../../views/bulk-lists.js';
import type { CommandContext } from './context.js';

/** `/license requests`: bulk changes waiting for a lead, with Approve / Reject. */
export async function handleRequestsCommand(ctx: CommandContext): Promise<void> {
  const { services } = ctx.deps;
  const [pending, types] = await Promise.all([listPendingBulkRequests(services, 20), services.store.listLicenseTypes()]);
  await ctx.reply(buildRequestsMessage(pending, new Map(types.map((t) => [t.key, t.name]))));
}
