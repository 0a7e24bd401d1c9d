import { requireDecider } from '../../../licensing/bulk/decisions.js';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { replyToClicker, replyWithError } from '../../support/reply.js';
import { buildNotice } from '../../views/blocks.js';
import { buildRejectModal } from '../../views/bulk-modal.js';
import { actorOf, type ButtonArgs, requestIdOf } from './button-args.js';

/** Reject: checks the lead may decide, then asks for a reason in a modal. */
export function handleBulkReject(deps: SlackDeps) {
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    const clicker = { body, respond, client };
    try {
      const request = await requireDecider(deps.services, actor, requestIdOf(action));
      if (request.status !== 'pending_approval') {
        await replyToClicker(clicker, buildNotice(`This request was already ${request.status.replace('_', ' ')}.`));
        return;
      }
      await client.views.open({
        trigger_id: body.trigger_id,
        view: buildRejectModal({ requestId: request.id, ...(actor.channelId ? { channelId: actor.channelId } : {}) }),
      });
    } catch (error) {
      await replyWithError(clicker, error, deps.logger, { action: ids.bulkRequest.reject, user: actor.userId });
    }
  };
}
