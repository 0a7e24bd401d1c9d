import { isAdmin } from '../../../licensing/admins.js';
import type { ParsedCommand } from '../../parsers/command.js';
import { escapeMrkdwn } from '../../views/blocks.js';
import { buildHelpMessage } from '../../views/help.js';
import type { CommandContext } from './context.js';

/** `/license` and `/license help`. */
export async function handleHelpCommand(ctx: CommandContext): Promise<void> {
  await ctx.reply(buildHelpMessage(await isAdmin(ctx.deps.services, ctx.actor.userId)));
}

/** An unknown or malformed subcommand: the help, with what was wrong on top. */
export async function handleUnknownCommand(ctx: CommandContext, parsed: Extract<ParsedCommand, { sub: 'unknown' }>): Promise<void> {
  const problem = parsed.problem ?? `\`${escapeMrkdwn(parsed.word)}\` is not a /license command.`;
  await ctx.reply(buildHelpMessage(await isAdmin(ctx.deps.services, ctx.actor.userId), problem));
}
