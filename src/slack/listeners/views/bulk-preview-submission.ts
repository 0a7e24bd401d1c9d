import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { getBulkDraft } from '../../../licensing/bulk/drafts.js';
import { type BulkSubmission, submitBulkRequest } from '../../../licensing/bulk/requests.js';
import { LicenseError } from '../../../licensing/errors.js';
import { slackActor } from '../../../licensing/model.js';
import type { SlackDeps } from '../../deps.js';
import { sendForApproval, startBulkJob } from '../../flows/bulk-flow.js';
import { ids } from '../../ids.js';
import { parseBulkPreviewMetadata, readBulkPreviewState } from '../../parsers/bulk.js';
import { withinAckBudget } from '../../support/ack-budget.js';
import { tellUserSomehow } from '../../support/post.js';
import { userSentence } from '../../support/respond.js';
import { submissionKey } from '../../support/submission-key.js';
import { buildAnnounceFailedNotice } from '../../views/bulk-messages.js';
import { errorsFor } from './view-errors.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** Step 2 submitted: stores the request with the exclusions, then sends it for approval or starts it. */
export function handleBulkPreviewSubmission(deps: SlackDeps) {
  return async ({ ack, body, view, client }: ViewArgs) => {
    const p = ids.bulkPreview;
    const metadata = parseBulkPreviewMetadata(view.private_metadata);
    const exclusions = readBulkPreviewState(view.state.values);
    if (exclusions.invalid.length) {
      await ack({
        response_action: 'errors',
        errors: errorsFor(
          view,
          { [p.excludeEmailsBlock]: `These are not email addresses: ${exclusions.invalid.slice(0, 5).join(', ')}.` },
          p.excludeBlock,
        ),
      });
      return;
    }
    let submission: BulkSubmission;
    try {
      const draft = metadata ? await withinAckBudget(getBulkDraft(deps.services, slackActor(body.user.id), metadata.draftId)) : null;
      if (!draft) throw new LicenseError('invalid_input', 'This form expired. Close it and run /license bulk again.');
      const actor = slackActor(body.user.id, draft.channelId);
      submission = await withinAckBudget(
        submitBulkRequest(deps.services, actor, {
          selection: { ...draft.selection, excludeIds: exclusions.excludeIds, excludeEmails: exclusions.excludeEmails },
          change: draft.change,
          reason: draft.reason,
          ...(draft.channelId ? { channelId: draft.channelId } : {}),
          ...(draft.timing ? { timing: draft.timing } : {}),
          submissionKey: submissionKey(body),
        }),
      );
    } catch (error) {
      await ack({
        response_action: 'errors',
        errors: errorsFor(
          view,
          { [p.excludeBlock]: userSentence(error, deps.logger, { view: p.callback, user: body.user.id }) },
          p.excludeBlock,
        ),
      });
      return;
    }
    await ack();
    // A replay of a submission that already made its request: it was announced (or started) then.
    if (submission.replayed) return;
    const { request, needsApproval } = submission;
    try {
      if (needsApproval) await sendForApproval(client, deps, request);
      else await startBulkJob(client, deps, request);
      deps.homes.staffChanged();
    } catch (error) {
      // The request is stored either way; the requester must hear that it did not go out as usual.
      deps.logger.error('could not announce a bulk request', { error, requestId: request.id });
      await tellUserSomehow(
        client,
        { userId: request.requestedBy, ...(request.channelId ? { channelId: request.channelId } : {}) },
        buildAnnounceFailedNotice(request, needsApproval),
        deps.logger,
        {
          requestId: request.id,
        },
      );
    }
  };
}
