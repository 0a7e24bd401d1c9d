import { LicenseError } from '../../../licensing/errors.js';
import { startReclaim } from '../../../licensing/reclaim/reclaim.js';
import type { SlackDeps } from '../../deps.js';
import { announceSubmission } from '../../flows/announce-submission.js';
import { ids } from '../../ids.js';
import { parseReclaimStartRef } from '../../parsers/payloads.js';
import { replyToClicker, replyWithError } from '../../support/reply.js';
import { buildNotice } from '../../views/blocks.js';
import { buildRoundStartedMessage } from '../../views/reclaim.js';
import { actorOf, type ButtonArgs } from './button-args.js';

const n = (value: number) => value.toLocaleString('en-US');

/**
 * Reclaim on `/license reclaim` or the admin's App Home: a bulk request of the type's idle holders
 * (or, ask-first, a round of questions). From the Home, the answer goes to the admin's DM.
 */
export function handleReclaimStart(deps: SlackDeps) {
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    const clicker = { body, respond, client };
    try {
      const ref = parseReclaimStartRef(action.value);
      if (!ref) throw new LicenseError('invalid_input');
      const started = await startReclaim(deps.services, actor, { type: ref.type, ...(ref.to ? { to: ref.to } : {}) });
      if (started.kind === 'asking') {
        const type = await deps.services.store.getLicenseType(started.round.type);
        deps.homes.staffChanged();
        await replyToClicker(clicker, buildRoundStartedMessage(started.round, type?.name ?? ref.type));
        await deps.runReclaimSweep();
        return;
      }
      const { request, needsApproval } = started.submission;
      await replyToClicker(
        clicker,
        buildNotice(
          `Reclaim of ${n(request.preview.toChange)} idle seats submitted${needsApproval ? ' for a team lead’s approval' : '; it runs now'} (job ${request.id}).`,
        ),
      );
      await announceSubmission(client, deps, started.submission);
      // The request waits for a lead (or runs): admins' Homes show it, and count the idle seats again.
      deps.homes.staffChanged();
    } catch (error) {
      await replyWithError(clicker, error, deps.logger, { action: ids.reclaim.start, user: actor.userId });
    }
  };
}
