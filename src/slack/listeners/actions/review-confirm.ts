import type { webApi } from '@slack/bolt';
import type { MessageRef } from '../../../licensing/ports.js';
import { confirmReviewedChange } from '../../../licensing/schedule/scheduled.js';
import { NotReviewOwnerError } from '../../../licensing/single/change-requests.js';
import type { SlackDeps } from '../../deps.js';
import { sendForApproval, startBulkJob } from '../../flows/bulk-flow.js';
import { ids } from '../../ids.js';
import { tellUserSomehow } from '../../support/post.js';
import { firstTimeOf, respondWithError } from '../../support/respond.js';
import type { Message } from '../../views/blocks.js';
import { buildAnnounceFailedNotice } from '../../views/bulk-messages.js';
import {
  buildAlreadyHandledMessage,
  buildNotReviewOwnerMessage,
  buildOutcomeMessage,
  buildScheduledMessage,
} from '../../views/review-message.js';
import { actorOf, type ButtonArgs, requestIdOf } from './button-args.js';

/**
 * Confirm on a review message. The outcome replaces the review message by its ts (recorded when it
 * was posted), so replayed clicks cannot use up the `response_url`'s five replies before it shows;
 * `response_url` is the fallback, and answers a click on a review that was already handled. A
 * change with "apply at" is scheduled as a job.
 */
export function handleReviewConfirm(deps: SlackDeps) {
  const firstReply = firstTimeOf();
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const outcome = await confirmReviewedChange(deps.services, actor, requestIdOf(action));
      if (outcome.kind === 'already_done') {
        // Replayed copies of one click share its response_url: one answer is enough.
        if (!firstReply(body.response_url)) return;
        await respond({ response_type: 'ephemeral', replace_original: false, ...buildAlreadyHandledMessage(outcome.request) });
        return;
      }
      if (outcome.kind === 'scheduled') {
        const { request, needsApproval } = outcome.submission;
        const message = buildScheduledMessage(outcome.review, request.id, actor.userId, deps.services.now());
        await replaceReview(client, outcome.review?.request.reviewMessage, message, () => respond({ replace_original: true, ...message }));
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
      const message = buildOutcomeMessage(outcome, actor.userId, deps.services.now(), { undo: deps.services.undoWindowDays > 0 });
      await replaceReview(client, outcome.review?.request.reviewMessage, message, () => respond({ replace_original: true, ...message }));
      if (outcome.kind === 'applied') {
        deps.homes.staffChanged();
        deps.homes.learnersChanged([outcome.review.learner.email]);
      }
    } catch (error) {
      if (error instanceof NotReviewOwnerError) {
        await respond({ response_type: 'ephemeral', replace_original: false, ...buildNotReviewOwnerMessage(error.ownerId) });
        return;
      }
      await respondWithError(respond, error, deps.logger, { action: ids.review.confirm, user: actor.userId });
    }
  };
}

/** Replaces the review message in place when its ts is known, else through `fallback` (the response_url). */
export async function replaceReview(
  client: webApi.WebClient,
  ref: MessageRef | undefined,
  message: Message,
  fallback: () => Promise<unknown>,
): Promise<void> {
  if (ref) {
    try {
      await client.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks });
      return;
    } catch {
      // The message may be gone or Slack may refuse the edit; the response_url still reaches the admin.
    }
  }
  await fallback();
}
