import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { slackActor } from '../../../licensing/model.js';
import type { SlackDeps } from '../../deps.js';
import { parseCommandText } from '../../parsers/command.js';
import { respondWithError } from '../../support/respond.js';
import { handleAdminsCommand } from './admins.js';
import { handleBulkCommand } from './bulk.js';
import { handleChangeCommand } from './change.js';
import type { CommandContext } from './context.js';
import { handleHelpCommand, handleUnknownCommand } from './help.js';
import { handleJobsCommand } from './jobs.js';
import { handleLeadsCommand } from './leads.js';
import { handlePolicyCommand } from './policy.js';
import { handleReclaimCommand } from './reclaim.js';
import { handleReportCommand } from './report.js';
import { handleRequestsCommand } from './requests.js';
import { handleSeatsCommand } from './seats.js';
import { handleShowCommand } from './show.js';
import { handleSyncCommand } from './sync.js';
import { handleUndoCommand } from './undo.js';
import { handleUsageCommand } from './usage.js';

/** `/license …`: acks at once, parses the text, and hands it to the subcommand's handler. */
export function handleLicenseCommand(deps: SlackDeps) {
  return async ({ command, ack, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    await ack();
    const parsed = parseCommandText(command.text ?? '');
    const ctx: CommandContext = {
      deps,
      actor: slackActor(command.user_id, command.channel_id),
      client,
      triggerId: command.trigger_id,
      reply: async (message) => {
        await respond({ response_type: 'ephemeral', ...message });
      },
    };
    try {
      switch (parsed.sub) {
        case 'help':
          return await handleHelpCommand(ctx);
        case 'unknown':
          return await handleUnknownCommand(ctx, parsed);
        case 'seats':
          return await handleSeatsCommand(ctx);
        case 'bulk':
          return await handleBulkCommand(ctx);
        case 'jobs':
          return await handleJobsCommand(ctx);
        case 'requests':
          return await handleRequestsCommand(ctx);
        case 'leads':
          return await handleLeadsCommand(ctx, parsed);
        case 'show':
          return await handleShowCommand(ctx, parsed);
        case 'reassign':
        case 'add':
        case 'revoke':
          return await handleChangeCommand(ctx, { sub: parsed.sub, query: parsed.query });
        case 'sync':
          return await handleSyncCommand(ctx, parsed.action);
        case 'admins':
          return await handleAdminsCommand(ctx, parsed);
        case 'reclaim':
          return await handleReclaimCommand(ctx);
        case 'undo':
          return await handleUndoCommand(ctx, parsed.jobId);
        case 'usage':
          return await handleUsageCommand(ctx);
        case 'report':
          return await handleReportCommand(ctx);
        case 'policy':
          return await handlePolicyCommand(ctx);
      }
    } catch (error) {
      await respondWithError(respond, error, deps.logger, { command: parsed.sub, user: ctx.actor.userId, channel: ctx.actor.channelId });
    }
  };
}
