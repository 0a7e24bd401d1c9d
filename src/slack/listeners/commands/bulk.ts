import { openBulkModal } from '../../flows/open-bulk-modal.js';
import type { CommandContext } from './context.js';

/** `/license bulk`: opens the bulk form (admins only). */
export async function handleBulkCommand(ctx: CommandContext): Promise<void> {
  await openBulkModal(ctx.client, ctx.deps.services, ctx.actor, ctx.triggerId, ctx.deps.logger);
}
