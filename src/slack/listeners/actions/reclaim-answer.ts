import { LicenseError } from '../../../licensing/errors.js';
import { answerReclaimAsk, type ReclaimAnswer } from '../../../licensing/reclaim/asks.js';
import type { SlackDeps } from '../../deps.js';
import { parseReclaimAskRef } from '../../parsers/payloads.js';
import { respondWithError } from '../../support/respond.js';
import { buildReclaimAnsweredMessage } from '../../views/reclaim.js';
import type { ButtonArgs } from './button-args.js';

/** Keep / Release in a learner's DM: only the learner who was asked, once, before the grace period ends. */
export function handleReclaimAnswer(deps: SlackDeps, answer: ReclaimAnswer) {
  return async ({ ack, body, action, respond }: ButtonArgs) => {
    await ack();
    try {
      const ref = parseReclaimAskRef(action.value);
      if (!ref) throw new LicenseError('invalid_input');
      const outcome = await answerReclaimAsk(deps.services, { ...ref, slackUserId: body.user.id, answer });
      // Released: the seat is free (admins' Homes) and the learner's own Home no longer lists it.
      if (outcome.answer === 'release') {
        deps.homes.staffChanged();
        deps.homes.usersChanged([body.user.id]);
      }
      await respond({ replace_original: true, ...buildReclaimAnsweredMessage(outcome) });
    } catch (error) {
      await respondWithError(respond, error, deps.logger, { action: `reclaim_${answer}`, user: body.user.id });
    }
  };
}
