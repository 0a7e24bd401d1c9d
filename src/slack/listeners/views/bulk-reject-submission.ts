import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { type BulkDecisionOutcome, rejectBulkRequest } from '../../../licensing/bulk/decisions.js';
import { slackActor } from '../../../licensing/model.js';
import type { SlackDeps } from '../../deps.js';
import { refreshApprovalMessage } from '../../flows/bulk-flow.js';
import { ids } from '../../ids.js';
import { parseBulkRejectMetadata, readRejectReason } from '../../parsers/bulk.js';
import { withinAckBudget } from '../../support/ack-budget.js';
import { replyInThread, tellUser } from '../../support/post.js';
import { userSentence } from '../../support/respond.js';
import { buildNotice, escapeMrkdwn, slackDate } from '../../views/blocks.js';
import { buildDecisionReply } from '../../views/bulk-messages.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** The lead's rejection reason: rejects, updates the approval message and tells the requester. */
export function handleBulkRejectSubmission(deps: SlackDeps) {
  return async ({ ack, body, view, client }: ViewArgs) => {
    const r = ids.bulkReject;
    const metadata = parseBulkRejectMetadata(view.private_metadata);
    const reason = readRejectReason(view.state.values);
    if (!metadata || !reason) {
      await ack({
        response_action: 'errors',
        errors: { [r.reasonBlock]: metadata ? 'Say why, so the requester knows what to change.' : 'This form is out of date.' },
      });
      return;
    }
    const actor = slackActor(body.user.id, metadata.channelId);
    let outcome: BulkDecisionOutcome;
    try {
      outcome = await withinAckBudget(rejectBulkRequest(deps.services, actor, metadata.requestId, reason));
    } catch (error) {
      await ack({
        response_action: 'errors',
        errors: { [r.reasonBlock]: userSentence(error, deps.logger, { view: r.callback, user: actor.userId }) },
      });
      return;
    }
    if (outcome.kind === 'already_decided' || outcome.kind === 'expired') {
      const by = outcome.request.decidedBy ? ` by <@${outcome.request.decidedBy}>` : '';
      const when = outcome.request.decidedAt ? ` ${slackDate(outcome.request.decidedAt)}` : '';
      const what =
        outcome.kind === 'expired'
          ? 'expired before anyone decided'
          : `was already ${outcome.request.status.replace('_', ' ')}${by}${when}`;
      await ack({ response_action: 'errors', errors: { [r.reasonBlock]: `This request ${what}.` } });
      return;
    }
    await ack();
    const request = outcome.request;
    deps.homes.staffChanged();
    await refreshApprovalMessage(client, deps, request).catch((error: unknown) =>
      deps.logger.warn('could not update the approval message', { error, requestId: request.id }),
    );
    await replyInThread(client, request.approvalMessage, buildDecisionReply(request)).catch((error: unknown) =>
      deps.logger.warn('could not reply in the approval thread', { error, requestId: request.id }),
    );
    await tellUser(
      client,
      request.requestedBy,
      buildNotice(
        `<@${actor.userId}> rejected your bulk change of ${request.preview.toChange.toLocaleString('en-US')} learners: “${escapeMrkdwn(reason)}”. Nothing was changed.`,
      ),
    ).catch((error: unknown) => deps.logger.warn('could not tell the requester about the rejection', { error, requestId: request.id }));
  };
}
