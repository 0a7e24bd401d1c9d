import { confirmChange, NotReviewOwnerError } from '../../../licensing/single/change-requests.js';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { respondWithError } from '../../support/respond.js';
import { buildAlreadyHandledMessage, buildNotReviewOwnerMessage, buildOutcomeMessage } from '../../views/review-message.js';
import { actorOf, type ButtonArgs, requestIdOf } from './button-args.js';

/**
 * Confirm on a review message. Replies go through `response_url`, which works for ephemeral
 * messages too (their clicks carry no `message`).
 */
export function handleReviewConfirm(deps: SlackDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const outcome = await confirmChange(deps.services, actor, requestIdOf(action));
      if (outcome.kind === 'already_done') {
        await respond({ response_type: 'ephemeral', replace_original: false, ...buildAlreadyHandledMessage(outcome.request) });
        return;
      }
      await respond({ replace_original: true, ...buildOutcomeMessage(outcome, actor.userId, deps.services.now()) });
    } catch (error) {
      if (error instanceof NotReviewOwnerError) {
        await respond({ response_type: 'ephemeral', replace_original: false, ...buildNotReviewOwnerMessage(error.ownerId) });
        return;
      }
      await respondWithError(respond, error, deps.logger, { action: ids.review.confirm, user: actor.userId });
    }
  };
}
