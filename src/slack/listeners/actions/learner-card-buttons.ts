import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { requireAdmin } from '../../../licensing/admins.js';
import { LicenseError } from '../../../licensing/errors.js';
import type { SlackDeps } from '../../deps.js';
import { openChangeModal } from '../../flows/open-change-modal.js';
import type { ChangeMode } from '../../ids.js';
import { parseLearnerRef } from '../../parsers/payloads.js';
import { respondWithError } from '../../support/respond.js';
import { actorOf } from './button-args.js';

/** Reassign / Add / Revoke on a learner card: opens the change modal pre-filled. */
export function handleLearnerCardButton(deps: SlackDeps, mode: ChangeMode) {
  return async ({ ack, body, action, respond, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const ref = parseLearnerRef(action.value);
      if (!ref) throw new LicenseError('invalid_input');
      await requireAdmin(deps.services, actor, mode, { learnerId: ref.learnerId });
      const learner = await deps.services.store.findLearnerById(ref.learnerId);
      if (!learner) throw new LicenseError('learner_not_found');
      await openChangeModal(client, deps.services, {
        triggerId: body.trigger_id,
        mode,
        ...(actor.channelId ? { channelId: actor.channelId } : {}),
        learner,
        userId: actor.userId,
        logger: deps.logger,
      });
    } catch (error) {
      await respondWithError(respond, error, deps.logger, { action: `learner_card_${mode}`, user: actor.userId });
    }
  };
}
