import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { type ErrorCode, LicenseError } from '../../../licensing/errors.js';
import { type AdminChange, slackActor } from '../../../licensing/model.js';
import { type ChangeReview, requestChange, setReviewMessage } from '../../../licensing/single/change-requests.js';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { parseChangeModalMetadata, readChangeModalState } from '../../parsers/payloads.js';
import { readTiming, timingErrorBlock } from '../../parsers/timing.js';
import { withinAckBudget } from '../../support/ack-budget.js';
import { tellUser } from '../../support/post.js';
import { userSentence } from '../../support/respond.js';
import { submissionKey } from '../../support/submission-key.js';
import { buildReviewMessage, buildReviewUndeliveredNotice } from '../../views/review-message.js';

const m = ids.changeModal;

/** Which modal field an error belongs to, so Slack shows it next to that field. */
const fieldOf: Partial<Record<ErrorCode, string>> = {
  unknown_license_type: m.typeBlock,
  no_seats_left: m.typeBlock,
  already_on_type: m.typeBlock,
  not_on_type: m.fromBlock,
};

/**
 * Submission of the change modal: validates against the database and answers field errors in
 * the modal; when valid, closes it and posts the review message with Confirm/Cancel.
 */
export function handleChangeSubmission(deps: SlackDeps) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const metadata = parseChangeModalMetadata(view.private_metadata);
    if (!metadata) {
      await ack({ response_action: 'errors', errors: { [m.learnerBlock]: 'This form is out of date. Close it and run /license again.' } });
      return;
    }
    const state = readChangeModalState(view.state.values);
    const learnerId = state.learnerId ?? metadata.learnerId;
    const { timing, errors } = metadata.timeZone ? readTiming(view.state.values, metadata.timeZone) : { timing: {}, errors: {} };
    if (!learnerId) errors[m.learnerBlock] = 'Pick a learner.';
    if (metadata.mode !== 'revoke' && !state.to) errors[m.typeBlock] = 'Pick a license type.';
    if (!learnerId || Object.keys(errors).length) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    const change: AdminChange =
      metadata.mode === 'revoke'
        ? { kind: 'revoke' }
        : metadata.mode === 'add'
          ? { kind: 'add', to: state.to! }
          : { kind: 'reassign', from: state.from ?? null, to: state.to! };
    const actor = slackActor(body.user.id, metadata.channelId);

    let review: ChangeReview;
    try {
      review = await withinAckBudget(
        requestChange(deps.services, actor, { learnerId, change, reason: state.reason, timing, submissionKey: submissionKey(body) }),
      );
    } catch (error) {
      const sentence = userSentence(error, deps.logger, { view: m.callback, user: actor.userId });
      const block = (error instanceof LicenseError && (fieldOf[error.code] ?? timingErrorBlock(error.code))) || m.learnerBlock;
      // The from-select only exists when the learner holds several licenses.
      const present = view.blocks.some((b) => b.block_id === block) ? block : m.learnerBlock;
      await ack({ response_action: 'errors', errors: { [present]: sentence } });
      return;
    }
    await ack();
    // A replay of a submission that already made its review: the review is out, nothing more to do.
    if (review.replayed) return;
    try {
      // The review goes to the admin's direct messages with the app: it persists and only they see it.
      const posted = await tellUser(client, actor.userId, buildReviewMessage(review));
      if (posted) await setReviewMessage(deps.services, review.request.id, posted);
    } catch (error) {
      deps.logger.error('could not post the review message', { error, user: actor.userId, requestId: review.request.id });
      // Nothing was changed; say so where the admin typed the command, so they are not left waiting.
      if (actor.channelId) {
        await client.chat
          .postEphemeral({ channel: actor.channelId, user: actor.userId, ...buildReviewUndeliveredNotice() })
          .catch((cause: unknown) =>
            deps.logger.warn('could not tell the admin the review was not delivered', { cause, user: actor.userId }),
          );
      }
    }
  };
}
