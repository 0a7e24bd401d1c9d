import { approveBulkRequest } from '../../../licensing/bulk/decisions.js';
import type { SlackDeps } from '../../deps.js';
import { refreshApprovalMessage, startBulkJob } from '../../flows/bulk-flow.js';
import { ids } from '../../ids.js';
import { tellUser } from '../../support/post.js';
import { firstTimeOf, respondWithError } from '../../support/respond.js';
import { buildNotice, slackDate } from '../../views/blocks.js';
import { actorOf, type ButtonArgs, requestIdOf } from './button-args.js';

/** Approve: the first lead's decision wins; the message is updated for everyone and the job queued. */
export function handleBulkApprove(deps: SlackDeps) {
  // Replayed copies of one click share its response_url: one "already decided" answer is enough.
  const firstReply = firstTimeOf();
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const outcome = await approveBulkRequest(deps.services, actor, requestIdOf(action));
      const request = outcome.request;
      if (outcome.kind === 'approved') {
        await refreshApprovalMessage(client, deps, request).catch((error: unknown) =>
          deps.logger.warn('could not update the approval message', { error, requestId: request.id }),
        );
        await startBulkJob(client, deps, request);
        await tellUser(
          client,
          request.requestedBy,
          buildNotice(
            `<@${actor.userId}> approved your bulk change of ${request.preview.toChange.toLocaleString('en-US')} learners; it is running now.`,
          ),
        ).catch((error: unknown) => deps.logger.warn('could not tell the requester about the approval', { error, requestId: request.id }));
        return;
      }
      if (outcome.kind === 'expired') {
        await refreshApprovalMessage(client, deps, request).catch(() => undefined);
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          ...buildNotice('This request expired before anyone decided; nothing was changed.'),
        });
        if (outcome.justExpired) {
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
      if (!firstReply(body.response_url)) return;
      const by = request.decidedBy ? ` by <@${request.decidedBy}>` : '';
      const when = request.decidedAt ? ` ${slackDate(request.decidedAt)}` : '';
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        ...buildNotice(`This request was already ${request.status.replace('_', ' ')}${by}${when}.`),
      });
    } catch (error) {
      await respondWithError(respond, error, deps.logger, { action: ids.bulkRequest.approve, user: actor.userId });
    }
  };
}
