import { approveBulkRequest } from '../../../licensing/bulk/decisions.js';
import type { SlackDeps } from '../../deps.js';
import { refreshApprovalMessage, startBulkJob } from '../../flows/bulk-flow.js';
import { ids } from '../../ids.js';
import { replyInThread, tellUser } from '../../support/post.js';
import { replyToClicker, replyWithError } from '../../support/reply.js';
import { firstTimeOf } from '../../support/respond.js';
import { buildNotice, slackDate } from '../../views/blocks.js';
import { buildDecisionReply } from '../../views/bulk-messages.js';
import { actorOf, type ButtonArgs, requestIdOf } from './button-args.js';

/**
 * Approve (on the approval message, `/license requests` or a Home): the first lead's decision wins;
 * the message is updated for everyone, the decision is replied in its thread and the job queued.
 */
export function handleBulkApprove(deps: SlackDeps) {
  // Replayed copies of one click share its response_url: one "already decided" answer is enough.
  const firstReply = firstTimeOf();
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    const clicker = { body, respond, client };
    try {
      const outcome = await approveBulkRequest(deps.services, actor, requestIdOf(action));
      const request = outcome.request;
      if (outcome.kind !== 'already_decided') deps.homes.staffChanged();
      if (outcome.kind === 'approved') {
        await refreshApprovalMessage(client, deps, request).catch((error: unknown) =>
          deps.logger.warn('could not update the approval message', { error, requestId: request.id }),
        );
        await replyInThread(client, request.approvalMessage, buildDecisionReply(request)).catch((error: unknown) =>
          deps.logger.warn('could not reply in the approval thread', { error, requestId: request.id }),
        );
        await startBulkJob(client, deps, request);
        const when = request.applyAt ? `it will run ${slackDate(request.applyAt)}` : 'it is running now';
        await tellUser(
          client,
          request.requestedBy,
          buildNotice(
            `<@${actor.userId}> approved your bulk change of ${request.preview.toChange.toLocaleString('en-US')} learners; ${when}.`,
          ),
        ).catch((error: unknown) => deps.logger.warn('could not tell the requester about the approval', { error, requestId: request.id }));
        return;
      }
      if (outcome.kind === 'approval_recorded' || outcome.kind === 'already_approved') {
        if (outcome.kind === 'approval_recorded')
          await refreshApprovalMessage(client, deps, request).catch((error: unknown) =>
            deps.logger.warn('could not update the approval message', { error, requestId: request.id }),
          );
        const missing = Math.max(0, (request.quorum ?? 1) - (request.approvals?.length ?? 0));
        const first = outcome.kind === 'approval_recorded' ? 'Your approval is recorded' : 'You already approved this request';
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          ...buildNotice(`${first}; ${missing} more team lead${missing === 1 ? '' : 's'} must approve before it runs.`),
        });
        return;
      }
      if (outcome.kind === 'expired') {
        await refreshApprovalMessage(client, deps, request).catch(() => undefined);
        await replyToClicker(clicker, buildNotice('This request expired before anyone decided; nothing was changed.'));
        if (outcome.justExpired) {
          await replyInThread(client, request.approvalMessage, buildDecisionReply(request)).catch(() => undefined);
          await tellUser(
            client,
            request.requestedBy,
            buildNotice(
              `Your bulk change of ${request.preview.toChange.toLocaleString('en-US')} learners expired before a team lead decided. Nothing was changed; submit it again with \`/license bulk\` if it is still needed.`,
            ),
          ).catch((error: unknown) => deps.logger.warn('could not tell the requester about the expiry', { error, requestId: request.id }));
        }
        return;
      }
      // (A click on a Home has no response_url: its answer goes by DM, once per click.)
      if (body.response_url && !firstReply(body.response_url)) return;
      const by = request.decidedBy ? ` by <@${request.decidedBy}>` : '';
      const when = request.decidedAt ? ` ${slackDate(request.decidedAt)}` : '';
      await replyToClicker(clicker, buildNotice(`This request was already ${request.status.replace('_', ' ')}${by}${when}.`));
    } catch (error) {
      await replyWithError(clicker, error, deps.logger, { action: ids.bulkRequest.approve, user: actor.userId });
    }
  };
}
