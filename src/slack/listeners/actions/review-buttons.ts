import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { cancelChange, confirmChange } from '../../../licensing/change-requests.js';
import { LicenseError } from '../../../licensing/errors.js';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { parseRequestRef } from '../../parsers/payloads.js';
import { respondWithError } from '../../respond.js';
import { buildAlreadyHandledMessage, buildCancelledMessage, buildOutcomeMessage } from '../../views/review-message.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/**
 * Confirm on a review message. Replies go through `response_url`, which works for ephemeral
 * messages too (their clicks carry no `message`).
 */
export function handleReviewConfirm(deps: SlackDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs) => {
    await ack();
    const actor = { userId: body.user.id, ...(body.channel?.id ? { channelId: body.channel.id } : {}) };
    try {
      const ref = parseRequestRef(action.value);
      if (!ref) throw new LicenseError('invalid_input');
      const outcome = await confirmChange(deps.licensing, actor, ref.requestId);
      if (outcome.kind === 'already_done') {
        await respond({ response_type: 'ephemeral', replace_original: false, ...buildAlreadyHandledMessage(outcome.request) });
        return;
      }
      await respond({ replace_original: true, ...buildOutcomeMessage(outcome, actor.userId, deps.licensing.now()) });
    } catch (error) {
      await respondWithError(respond, error, deps.logger, { action: 'review_confirm', user: actor.userId });
    }
  };
}

/** Cancel on a review message: discards the change. */
export function handleReviewCancel(deps: SlackDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs) => {
    await ack();
    const actor = { userId: body.user.id, ...(body.channel?.id ? { channelId: body.channel.id } : {}) };
    try {
      const ref = parseRequestRef(action.value);
      if (!ref) throw new LicenseError('invalid_input');
      const result = await cancelChange(deps.licensing, actor, ref.requestId);
      if (result.kind === 'already_done') {
        await respond({ response_type: 'ephemeral', replace_original: false, ...buildAlreadyHandledMessage(result.request) });
        return;
      }
      await respond({ replace_original: true, ...buildCancelledMessage(actor.userId, deps.licensing.now()) });
    } catch (error) {
      await respondWithError(respond, error, deps.logger, { action: 'review_cancel', user: actor.userId });
    }
  };
}

/** Registers Confirm and Cancel. */
export function register(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>({ action_id: ids.review.confirm, type: 'block_actions' }, handleReviewConfirm(deps));
  app.action<BlockAction<ButtonAction>>({ action_id: ids.review.cancel, type: 'block_actions' }, handleReviewCancel(deps));
}
