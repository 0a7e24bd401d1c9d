import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { requireAdmin } from '../../../licensing/admins.js';
import { requireDecider } from '../../../licensing/bulk-decisions.js';
import { approveBulkRequest, cancelBulkJob } from '../../../licensing/bulk-requests.js';
import { LicenseError } from '../../../licensing/errors.js';
import { refreshApprovalMessage, startBulkJob } from '../../bulk-flow.js';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { parseChangeModalMetadata, parseRequestRef } from '../../parsers/payloads.js';
import { tellUser } from '../../post.js';
import { respondWithError } from '../../respond.js';
import { buildNotice } from '../../views/admins.js';
import { slackDate } from '../../views/blocks.js';
import { buildBulkModal, buildRejectModal } from '../../views/bulk-modal.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

function actorOf(body: BlockAction) {
  return { userId: body.user.id, ...(body.channel?.id ? { channelId: body.channel.id } : {}) };
}

function requestIdOf(action: ButtonAction): string {
  const ref = parseRequestRef(action.value);
  if (!ref) throw new LicenseError('invalid_input');
  return ref.requestId;
}

/** Approve: the first lead's decision wins; the message is updated for everyone and the job queued. */
export function handleBulkApprove(deps: SlackDeps) {
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const outcome = await approveBulkRequest(deps.bulk, actor, requestIdOf(action));
      const request = outcome.request;
      if (outcome.kind === 'approved') {
        await refreshApprovalMessage(client, deps, request).catch((error: unknown) => deps.logger.warn('could not update the approval message', { error, requestId: request.id }));
        await startBulkJob(client, deps, request);
        await tellUser(client, request.requestedBy, buildNotice(`<@${actor.userId}> approved your bulk change of ${request.preview.toChange.toLocaleString('en-US')} learners; it is running now.`)).catch(
          (error: unknown) => deps.logger.warn('could not tell the requester about the approval', { error, requestId: request.id }),
        );
        return;
      }
      if (outcome.kind === 'expired') {
        await refreshApprovalMessage(client, deps, request).catch(() => undefined);
        await respond({ response_type: 'ephemeral', replace_original: false, ...buildNotice('This request expired before anyone decided; nothing was changed.') });
        if (outcome.justExpired) {
          await tellUser(client, request.requestedBy, buildNotice(`Your bulk change of ${request.preview.toChange.toLocaleString('en-US')} learners expired before a team lead decided. Nothing was changed; submit it again with \`/license bulk\` if it is still needed.`)).catch(
            (error: unknown) => deps.logger.warn('could not tell the requester about the expiry', { error, requestId: request.id }),
          );
        }
        return;
      }
      const by = request.decidedBy ? ` by <@${request.decidedBy}>` : '';
      const when = request.decidedAt ? ` ${slackDate(request.decidedAt)}` : '';
      await respond({ response_type: 'ephemeral', replace_original: false, ...buildNotice(`This request was already ${request.status.replace('_', ' ')}${by}${when}.`) });
    } catch (error) {
      await respondWithError(respond, error, deps.logger, { action: ids.bulkRequest.approve, user: actor.userId });
    }
  };
}

/** Reject: checks the lead may decide, then asks for a reason in a modal. */
export function handleBulkReject(deps: SlackDeps) {
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const request = await requireDecider(deps.bulk, actor, requestIdOf(action));
      if (request.status !== 'pending_approval') {
        await respond({ response_type: 'ephemeral', replace_original: false, ...buildNotice(`This request was already ${request.status.replace('_', ' ')}.`) });
        return;
      }
      await client.views.open({
        trigger_id: body.trigger_id,
        view: buildRejectModal({ requestId: request.id, ...(actor.channelId ? { channelId: actor.channelId } : {}) }),
      });
    } catch (error) {
      await respondWithError(respond, error, deps.logger, { action: ids.bulkRequest.reject, user: actor.userId });
    }
  };
}

/** Cancel on the progress message: the requester or an admin stops the job between batches. */
export function handleBulkCancel(deps: SlackDeps) {
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const outcome = await cancelBulkJob(deps.bulk, actor, requestIdOf(action));
      const sentence =
        outcome.kind === 'cancelled'
          ? 'Cancelled before it started; nothing was changed.'
          : outcome.kind === 'cancel_requested'
            ? 'Cancelling: the job stops after the current batch. Learners already changed stay changed; the completion notice will say how many.'
            : `This job already ${outcome.request.status.replace('_', ' ')}.`;
      if (outcome.kind === 'cancelled') await refreshApprovalMessage(client, deps, outcome.request).catch(() => undefined);
      await respond({ response_type: 'ephemeral', replace_original: false, ...buildNotice(sentence) });
    } catch (error) {
      await respondWithError(respond, error, deps.logger, { action: ids.bulkRequest.cancelJob, user: actor.userId });
    }
  };
}

/** "Change many learners instead" in the reassign modal switches it to the bulk form. */
export function handleBulkInstead(deps: SlackDeps) {
  return async ({ ack, body, client }: ButtonArgs) => {
    await ack();
    const view = body.view;
    if (!view) return;
    try {
      await requireAdmin(deps.licensing, { userId: body.user.id }, 'bulk.open');
      const [types, groups] = await Promise.all([deps.licensing.store.listLicenseTypes(), deps.licensing.store.listGroups(100)]);
      const channelId = parseChangeModalMetadata(view.private_metadata)?.channelId;
      await client.views.update({ view_id: view.id, hash: view.hash, view: buildBulkModal({ ...(channelId ? { channelId } : {}), types, groups }) });
    } catch (error) {
      deps.logger.warn('could not switch to the bulk form', { error, user: body.user.id });
    }
  };
}

/** Registers the bulk buttons. */
export function register(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>({ action_id: ids.bulkRequest.approve, type: 'block_actions' }, handleBulkApprove(deps));
  app.action<BlockAction<ButtonAction>>({ action_id: ids.bulkRequest.reject, type: 'block_actions' }, handleBulkReject(deps));
  app.action<BlockAction<ButtonAction>>({ action_id: ids.bulkRequest.cancelJob, type: 'block_actions' }, handleBulkCancel(deps));
  app.action<BlockAction<ButtonAction>>({ action_id: ids.changeModal.bulkInstead, type: 'block_actions' }, handleBulkInstead(deps));
}
