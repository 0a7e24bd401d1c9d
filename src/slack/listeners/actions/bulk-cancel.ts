import { cancelBulkJob } from '../../../licensing/bulk/requests.js';
import type { SlackDeps } from '../../deps.js';
import { refreshApprovalMessage } from '../../flows/bulk-flow.js';
import { ids } from '../../ids.js';
import { replyInThread } from '../../support/post.js';
import { replyToClicker, replyWithError } from '../../support/reply.js';
import { buildNotice } from '../../views/blocks.js';
import { buildDecisionReply } from '../../views/bulk-messages.js';
import { actorOf, type ButtonArgs, requestIdOf } from './button-args.js';

/** Cancel on the progress message: the requester or an admin stops the job between batches. */
export function handleBulkCancel(deps: SlackDeps) {
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    const clicker = { body, respond, client };
    try {
      const outcome = await cancelBulkJob(deps.services, actor, requestIdOf(action));
      const sentence =
        outcome.kind === 'cancelled'
          ? 'Cancelled before it started; nothing was changed.'
          : outcome.kind === 'cancel_requested'
            ? 'Cancelling: the job stops after the current batch. Learners already changed stay changed; the completion notice will say how many.'
            : `This job already ${outcome.request.status.replace('_', ' ')}.`;
      if (outcome.kind === 'cancelled') {
        await refreshApprovalMessage(client, deps, outcome.request).catch(() => undefined);
        await replyInThread(client, outcome.request.approvalMessage, buildDecisionReply(outcome.request)).catch(() => undefined);
      }
      if (outcome.kind !== 'already_finished') deps.homes.staffChanged();
      await replyToClicker(clicker, buildNotice(sentence));
    } catch (error) {
      await replyWithError(clicker, error, deps.logger, { action: ids.bulkRequest.cancelJob, user: actor.userId });
    }
  };
}
