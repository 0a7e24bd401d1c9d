import { confirmReviewedChange } from '../../../licensing/schedule/scheduled.js';
import type { SlackDeps } from '../../deps.js';
import { sendForApproval, startBulkJob } from '../../flows/bulk-flow.js';
import { ids } from '../../ids.js';
import { tellUserSomehow } from '../../support/post.js';
import { respondWithError } from '../../support/respond.js';
import { buildAnnounceFailedNotice } from '../../views/bulk-messages.js';
import { buildAlreadyHandledMessage, buildOutcomeMessage, buildScheduledMessage } from '../../views/review-message.js';
import { actorOf, type ButtonArgs, requestIdOf } from './button-args.js';

/**
 * Confirm on a review message. Replies go through `response_url`, which works for ephemeral
 * messages too (their clicks carry no `message`). A change with "apply at" is scheduled as a job.
 */
export function handleReviewConfirm(deps: SlackDeps) {
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const outcome = await confirmReviewedChange(deps.services, actor, requestIdOf(action));
      if (outcome.kind === 'already_done') {
        await respond({ response_type: 'ephemeral', replace_original: false, ...buildAlreadyHandledMessage(outcome.request) });
        return;
      }
      if (outcome.kind === 'scheduled') {
        const { request, needsApproval } = outcome.submission;
        await respond({ replace_original: true, ...buildScheduledMessage(outcome.review, request.id, actor.userId, deps.services.now()) });
        try {
          if (needsApproval) await sendForApproval(client, deps, request);
          else await startBulkJob(client, deps, request);
        } catch (error) {
          deps.logger.error('could not announce a scheduled change', { error, requestId: request.id });
          await tellUserSomehow(
            client,
            { userId: actor.userId, ...(actor.channelId ? { channelId: actor.channelId } : {}) },
            buildAnnounceFailedNotice(request, needsApproval),
            deps.logger,
            { requestId: request.id },
          );
        }
        return;
      }
      await respond({
        replace_original: true,
        ...buildOutcomeMessage(outcome, actor.userId, deps.services.now(), { undo: deps.services.undoWindowDays > 0 }),
      });
      if (outcome.kind === 'applied') {
        deps.homes.staffChanged();
        deps.homes.learnersChanged([outcome.review.learner.email]);
      }
    } catch (error) {
      await respondWithError(respond, error, deps.logger, { action: ids.review.confirm, user: actor.userId });
    }
  };
}
