import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { requireAdmin } from '../../../licensing/admins.js';
import { rejectBulkRequest, submitBulkRequest } from '../../../licensing/bulk-requests.js';
import { normalizeSelection, previewBulkChange } from '../../../licensing/bulk-selection.js';
import { LicenseError } from '../../../licensing/errors.js';
import { withinAckBudget } from '../../ack-budget.js';
import { refreshApprovalMessage, sendForApproval, startBulkJob } from '../../bulk-flow.js';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { parseBulkModalMetadata, parseBulkPreviewMetadata, parseBulkRejectMetadata, readBulkModalState, readBulkPreviewState, readRejectReason } from '../../parsers/bulk.js';
import { tellUser } from '../../post.js';
import { userSentence } from '../../respond.js';
import { buildNotice } from '../../views/admins.js';
import { buildBulkPreviewModal } from '../../views/bulk-modal.js';
import { slackDate } from '../../views/blocks.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** Keeps only errors whose block exists in the view (Slack rejects the others), else puts them on `fallback`. */
function errorsFor(view: ViewSubmitAction['view'], errors: Record<string, string>, fallback: string): Record<string, string> {
  const present = new Set(view.blocks.map((b) => b.block_id));
  const out: Record<string, string> = {};
  for (const [block, message] of Object.entries(errors)) {
    const key = present.has(block) ? block : fallback;
    out[key] = out[key] ? `${out[key]} ${message}` : message;
  }
  return out;
}

/** Step 1 submitted: counts the selection and shows the preview in the same modal. */
export function handleBulkFilterSubmission(deps: SlackDeps) {
  return async ({ ack, body, view }: ViewArgs) => {
    const b = ids.bulkModal;
    const metadata = parseBulkModalMetadata(view.private_metadata);
    const form = readBulkModalState(view.state.values);
    if (!metadata) {
      await ack({ response_action: 'errors', errors: errorsFor(view, { [b.reasonBlock]: 'This form is out of date. Close it and run /license bulk again.' }, b.reasonBlock) });
      return;
    }
    if (!form.ok) {
      await ack({ response_action: 'errors', errors: errorsFor(view, form.errors, b.reasonBlock) });
      return;
    }
    const actor = { userId: body.user.id, ...(metadata.channelId ? { channelId: metadata.channelId } : {}) };
    try {
      const { preview, draft, names } = await withinAckBudget(
        (async () => {
          await requireAdmin(deps.licensing, actor, 'bulk.preview');
          const [preview, types] = await Promise.all([previewBulkChange(deps.bulk, normalizeSelection(form.selection), form.change), deps.licensing.store.listLicenseTypes()]);
          const draft = await deps.drafts.saveDraft({
            requestedBy: actor.userId,
            ...(actor.channelId ? { channelId: actor.channelId } : {}),
            selection: form.selection,
            change: form.change,
            reason: form.reason,
            createdAt: deps.licensing.now(),
          });
          return { preview, draft, names: new Map(types.map((t) => [t.key, t.name])) };
        })(),
      );
      await ack({ response_action: 'update', view: buildBulkPreviewModal({ draft, preview, typeNames: names, threshold: deps.bulk.bulkApprovalThreshold }) });
    } catch (error) {
      const sentence = userSentence(error, deps.logger, { view: b.callback, user: actor.userId });
      const block = error instanceof LicenseError && error.code === 'unknown_license_type' ? b.targetBlock : b.reasonBlock;
      await ack({ response_action: 'errors', errors: errorsFor(view, { [block]: sentence }, b.reasonBlock) });
    }
  };
}

/** Step 2 submitted: stores the request with the exclusions, then sends it for approval or starts it. */
export function handleBulkPreviewSubmission(deps: SlackDeps) {
  return async ({ ack, body, view, client }: ViewArgs) => {
    const p = ids.bulkPreview;
    const metadata = parseBulkPreviewMetadata(view.private_metadata);
    const exclusions = readBulkPreviewState(view.state.values);
    if (exclusions.invalid.length) {
      await ack({ response_action: 'errors', errors: errorsFor(view, { [p.excludeEmailsBlock]: `These are not email addresses: ${exclusions.invalid.slice(0, 5).join(', ')}.` }, p.excludeBlock) });
      return;
    }
    let submission;
    try {
      const draft = metadata ? await withinAckBudget(deps.drafts.getDraft(metadata.draftId, body.user.id)) : null;
      if (!draft) throw new LicenseError('invalid_input', 'This form expired. Close it and run /license bulk again.');
      const actor = { userId: body.user.id, ...(draft.channelId ? { channelId: draft.channelId } : {}) };
      submission = await withinAckBudget(
        submitBulkRequest(deps.bulk, actor, {
          selection: { ...draft.selection, excludeIds: exclusions.excludeIds, excludeEmails: exclusions.excludeEmails },
          change: draft.change,
          reason: draft.reason,
          ...(draft.channelId ? { channelId: draft.channelId } : {}),
        }),
      );
    } catch (error) {
      await ack({ response_action: 'errors', errors: errorsFor(view, { [p.excludeBlock]: userSentence(error, deps.logger, { view: p.callback, user: body.user.id }) }, p.excludeBlock) });
      return;
    }
    await ack();
    try {
      if (submission.needsApproval) await sendForApproval(client, deps, submission.request);
      else await startBulkJob(client, deps, submission.request);
    } catch (error) {
      deps.logger.error('could not announce a bulk request', { error, requestId: submission.request.id });
    }
  };
}

/** The lead's rejection reason: rejects, updates the approval message and tells the requester. */
export function handleBulkRejectSubmission(deps: SlackDeps) {
  return async ({ ack, body, view, client }: ViewArgs) => {
    const r = ids.bulkReject;
    const metadata = parseBulkRejectMetadata(view.private_metadata);
    const reason = readRejectReason(view.state.values);
    if (!metadata || !reason) {
      await ack({ response_action: 'errors', errors: { [r.reasonBlock]: metadata ? 'Say why, so the requester knows what to change.' : 'This form is out of date.' } });
      return;
    }
    const actor = { userId: body.user.id, ...(metadata.channelId ? { channelId: metadata.channelId } : {}) };
    let outcome;
    try {
      outcome = await withinAckBudget(rejectBulkRequest(deps.bulk, actor, metadata.requestId, reason));
    } catch (error) {
      await ack({ response_action: 'errors', errors: { [r.reasonBlock]: userSentence(error, deps.logger, { view: r.callback, user: actor.userId }) } });
      return;
    }
    if (outcome.kind === 'already_decided' || outcome.kind === 'expired') {
      const by = outcome.request.decidedBy ? ` by <@${outcome.request.decidedBy}>` : '';
      const when = outcome.request.decidedAt ? ` ${slackDate(outcome.request.decidedAt)}` : '';
      const what = outcome.kind === 'expired' ? 'expired before anyone decided' : `was already ${outcome.request.status.replace('_', ' ')}${by}${when}`;
      await ack({ response_action: 'errors', errors: { [r.reasonBlock]: `This request ${what}.` } });
      return;
    }
    await ack();
    const request = outcome.request;
    await refreshApprovalMessage(client, deps, request).catch((error: unknown) => deps.logger.warn('could not update the approval message', { error, requestId: request.id }));
    await tellUser(client, request.requestedBy, buildNotice(`<@${actor.userId}> rejected your bulk change of ${request.preview.toChange.toLocaleString('en-US')} learners: “${reason}”. Nothing was changed.`)).catch(
      (error: unknown) => deps.logger.warn('could not tell the requester about the rejection', { error, requestId: request.id }),
    );
  };
}

/** Registers the bulk modals' submissions. */
export function register(app: App, deps: SlackDeps): void {
  app.view<ViewSubmitAction>({ callback_id: ids.bulkModal.callback, type: 'view_submission' }, handleBulkFilterSubmission(deps));
  app.view<ViewSubmitAction>({ callback_id: ids.bulkPreview.callback, type: 'view_submission' }, handleBulkPreviewSubmission(deps));
  app.view<ViewSubmitAction>({ callback_id: ids.bulkReject.callback, type: 'view_submission' }, handleBulkRejectSubmission(deps));
}
