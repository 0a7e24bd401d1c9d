import { LicenseError } from '../../../licensing/errors.js';
import { startReclaim } from '../../../licensing/reclaim/reclaim.js';
import type { SlackDeps } from '../../deps.js';
import { announceSubmission } from '../../flows/announce-submission.js';
import { ids } from '../../ids.js';
import { parseReclaimStartRef } from '../../parsers/payloads.js';
import { respondWithError } from '../../support/respond.js';
import { buildNotice } from '../../views/blocks.js';
import { buildRoundStartedMessage } from '../../views/reclaim.js';
import { actorOf, type ButtonArgs } from './button-args.js';

const n = (value: number) => value.toLocaleString('en-US');

/** Reclaim on `/license reclaim`: a bulk request of the type's idle holders (or, ask-first, a round of questions). */
export function handleReclaimStart(deps: SlackDeps) {
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const ref = parseReclaimStartRef(action.value);
      if (!ref) throw new LicenseError('invalid_input');
      const started = await startReclaim(deps.services, actor, { type: ref.type, ...(ref.to ? { to: ref.to } : {}) });
      if (started.kind === 'asking') {
        const type = await deps.services.store.getLicenseType(started.round.type);
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          ...buildRoundStartedMessage(started.round, type?.name ?? ref.type),
        });
        await deps.runReclaimSweep();
        return;
      }
      const { request, needsApproval } = started.submission;
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        ...buildNotice(
          `Reclaim of ${n(request.preview.toChange)} idle seats submitted${needsApproval ? ' for a team lead’s approval' : '; it runs now'} (job ${request.id}).`,
        ),
      });
      await announceSubmission(client, deps, started.submission);
    } catch (error) {
      await respondWithError(respond, error, deps.logger, { action: ids.reclaim.start, user: actor.userId });
    }
  };
}
