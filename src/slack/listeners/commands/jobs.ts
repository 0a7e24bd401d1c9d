import { listBulkJobs } from '../../../licensing/bulk/requests.js';
import { buildJobsMessage } from '../../views/bulk-lists.js';
import type { CommandContext } from './context.js';

/** `/license jobs`: recent bulk changes with their status and progress. */
export async function handleJobsCommand(ctx: CommandContext): Promise<void> {
  const { services } = ctx.deps;
  const [jobs, types] = await Promise.all([listBulkJobs(services, 10), services.store.listLicenseTypes()]);
  await ctx.reply(buildJobsMessage(jobs, new Map(types.map((t) => [t.key, t.name]))));
}
