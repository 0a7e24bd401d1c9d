import { requireAdmin } from '../../../licensing/admins.js';
import { listUsageImports } from '../../../licensing/usage/usage-import.js';
import { buildUsageModal } from '../../views/reclaim.js';
import type { CommandContext } from './context.js';

/** `/license usage`: the form to upload a usage report (CSV), with the latest imports (admins only). */
export async function handleUsageCommand(ctx: CommandContext): Promise<void> {
  await requireAdmin(ctx.deps.services, ctx.actor, 'usage.import');
  const imports = await listUsageImports(ctx.deps.services, 5);
  await ctx.client.views.open({ trigger_id: ctx.triggerId, view: buildUsageModal(imports) });
}
