import { cancelChange, NotReviewOwnerError } from '../../../licensing/single/change-requests.js';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { respondWithError } from '../../support/respond.js';
import { buildAlreadyHandledMessage, buildCancelledMessage, buildNotReviewOwnerMessage } from '../../views/review-message.js';
import { actorOf, type ButtonArgs, requestIdOf } from './button-args.js';

/** Cancel on a review message: discards the change. */
export function handleReviewCancel(deps: SlackDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const result = await cancelChange(deps.services, actor, requestIdOf(action));
      if (result.kind === 'already_done') {
        await respond({ response_type: 'ephemeral', replace_original: false, ...buildAlreadyHandledMessage(result.request) });
        return;
      }
      await respond({ replace_original: true, ...buildCancelledMessage(actor.userId, deps.services.now()) });
    } catch (error) {
      if (error instanceof NotReviewOwnerError) {
        await respond({ response_type: 'ephemeral', replace_original: false, ...buildNotReviewOwnerMessage(error.ownerId) });
        return;
      }
      await respondWithError(respond, error, deps.logger, { action: ids.review.cancel, user: actor.userId });
    }
  };
}
