import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { requireAdmin } from '../../../licensing/admins.js';
import { LicenseError } from '../../../licensing/errors.js';
import type { SlackDeps } from '../../deps.js';
import { ids, type ChangeMode } from '../../ids.js';
import { openChangeModal } from '../../open-change-modal.js';
import { parseLearnerRef } from '../../parsers/payloads.js';
import { respondWithError } from '../../respond.js';

/** Reassign / Add / Revoke on a learner card: opens the change modal pre-filled. */
export function handleLearnerCardButton(deps: SlackDeps, mode: ChangeMode) {
  return async ({ ack, body, action, respond, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs) => {
    await ack();
    const actor = { userId: body.user.id, ...(body.channel?.id ? { channelId: body.channel.id } : {}) };
    try {
      const ref = parseLearnerRef(action.value);
      if (!ref) throw new LicenseError('invalid_input');
      await requireAdmin(deps.licensing, actor, mode, { learnerId: ref.learnerId });
      const learner = await deps.licensing.store.findLearnerById(ref.learnerId);
      if (!learner) throw new LicenseError('learner_not_found');
      await openChangeModal(client, deps.licensing, { triggerId: body.trigger_id, mode, ...(actor.channelId ? { channelId: actor.channelId } : {}), learner });
    } catch (error) {
      await respondWithError(respond, error, deps.logger, { action: `learner_card_${mode}`, user: actor.userId });
    }
  };
}

/** Registers the learner card's buttons. */
export function register(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>({ action_id: ids.card.reassign, type: 'block_actions' }, handleLearnerCardButton(deps, 'reassign'));
  app.action<BlockAction<ButtonAction>>({ action_id: ids.card.add, type: 'block_actions' }, handleLearnerCardButton(deps, 'add'));
  app.action<BlockAction<ButtonAction>>({ action_id: ids.card.revoke, type: 'block_actions' }, handleLearnerCardButton(deps, 'revoke'));
}
