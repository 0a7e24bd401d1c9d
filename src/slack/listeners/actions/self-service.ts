import { LicenseError } from '../../../licensing/errors.js';
import { learnerOfSlackUser } from '../../../licensing/people/learners.js';
import { releaseLicense, requestableTypes } from '../../../licensing/self-service/requests.js';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { parseLicenseTypeRef } from '../../parsers/payloads.js';
import { replyWithError } from '../../support/reply.js';
import { buildLicenseRequestModal } from '../../views/license-requests.js';
import { actorOf, type ButtonArgs } from './button-args.js';

/** The learner Home's Request a license: the form, with the types this learner does not hold. */
export function handleRequestLicenseButton(deps: SlackDeps) {
  return async ({ ack, body, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      // Who the learner is comes from Slack's record of the clicker, never from the payload.
      const learner = await learnerOfSlackUser(deps.services, deps.people, actor.userId);
      if (!learner) throw new LicenseError('not_a_learner');
      await client.views.open({
        trigger_id: body.trigger_id,
        view: buildLicenseRequestModal(await requestableTypes(deps.services, learner)),
      });
    } catch (error) {
      await replyWithError({ body, respond, client }, error, deps.logger, { action: ids.home.requestLicense, user: actor.userId });
    }
  };
}

/** The learner Home's Release my license (after Slack's confirmation dialog): frees the seat. */
export function handleReleaseLicenseButton(deps: SlackDeps) {
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const ref = parseLicenseTypeRef(action.value);
      if (!ref) throw new LicenseError('invalid_input');
      const learner = await learnerOfSlackUser(deps.services, deps.people, actor.userId);
      if (!learner) throw new LicenseError('not_a_learner');
      const outcome = await releaseLicense(deps.services, actor, learner, ref.licenseType);
      if (outcome.kind === 'refused') throw new LicenseError(outcome.code);
      deps.homes.usersChanged([actor.userId]);
      deps.homes.staffChanged();
    } catch (error) {
      await replyWithError({ body, respond, client }, error, deps.logger, { action: ids.home.releaseLicense, user: actor.userId });
    }
  };
}
