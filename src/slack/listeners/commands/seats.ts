import { seatOverview } from '../../../licensing/single/directory.js';
import { buildSeatsMessage } from '../../views/seats.js';
import type { CommandContext } from './context.js';

/** `/license seats`: capacity, in use and free per license type, for anyone. */
export async function handleSeatsCommand(ctx: CommandContext): Promise<void> {
  await ctx.reply(buildSeatsMessage(await seatOverview(ctx.deps.services)));
}
