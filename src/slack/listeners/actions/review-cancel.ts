import { cancelChange, NotReviewOwnerError } from '../../../licensing/single/change-requests.js';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { firstTimeOf, respondWithError } from '../../support/respond.js';
import { buildAlreadyHandledMessage, buildCancelledMessage, buildNotReviewOwnerMessage } from '../../views/review-message.js';
import { actorOf, type ButtonArgs, requestIdOf } from './button-args.js';
import { replaceReview } from './review-confirm.js';

/** Cancel on a review message: discards the change and says so on the review message itself. */
export function handleReviewCancel(deps: SlackDeps) {
  const firstReply = firstTimeOf();
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const result = await cancelChange(deps.services, actor, requestIdOf(action));
      if (result.kind === 'already_done') {
        if (!firstReply(body.response_url)) return;
        await respond({ response_type: 'ephemeral', replace_original: false, ...buildAlreadyHandledMessage(result.request) });
        return;
      }
      const message = buildCancelledMessage(actor.userId, deps.services.now());
      await replaceReview(client, result.request.reviewMessage, message, () => respond({ replace_original: true, ...message }));
    } catch (error) {
      if (error instanceof NotReviewOwnerError) {
        await respond({ response_type: 'ephemeral', replace_original: false, ...buildNotReviewOwnerMessage(error.ownerId) });
        return;
      }
      await respondWithError(respond, error, deps.logger, { action: ids.review.cancel, user: actor.userId });
    }
  };
}
