import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { LicenseError } from '../../../licensing/errors.js';
import { slackActor } from '../../../licensing/model.js';
import { learnerOfSlackUser } from '../../../licensing/people/learners.js';
import { requestLicense } from '../../../licensing/self-service/requests.js';
import type { SlackDeps } from '../../deps.js';
import { postLicenseRequest, requestsDestination } from '../../flows/license-request-flow.js';
import { ids } from '../../ids.js';
import { readLicenseRequestState } from '../../parsers/payloads.js';
import { withinAckBudget } from '../../support/ack-budget.js';
import { tellUserSomehow } from '../../support/post.js';
import { userSentence } from '../../support/respond.js';
import { buildErrorMessage } from '../../views/blocks.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** A learner sends their request: checked and stored before the ack (errors stay in the form), then posted for the admins. */
export function handleLicenseRequestSubmission(deps: SlackDeps) {
  return async ({ ack, body, view, client }: ViewArgs) => {
    const r = ids.requestModal;
    const input = readLicenseRequestState(view.state.values);
    if (!input.licenseType || !input.reason) {
      await ack({
        response_action: 'errors',
        errors: input.licenseType ? { [r.reasonBlock]: 'Say why, so the admin can decide.' } : { [r.typeBlock]: 'Choose a license.' },
      });
      return;
    }
    const actor = slackActor(body.user.id);
    let created: Awaited<ReturnType<typeof requestLicense>>;
    try {
      created = await withinAckBudget(
        (async () => {
          await requestsDestination(deps);
          const learner = await learnerOfSlackUser(deps.services, deps.people, actor.userId);
          if (!learner) throw new LicenseError('not_a_learner');
          return requestLicense(deps.services, actor, learner, { licenseType: input.licenseType ?? '', reason: input.reason });
        })(),
      );
    } catch (error) {
      await ack({
        response_action: 'errors',
        errors: { [r.typeBlock]: userSentence(error, deps.logger, { view: r.callback, user: actor.userId }) },
      });
      return;
    }
    await ack();
    deps.homes.usersChanged([actor.userId]);
    deps.homes.staffChanged();
    try {
      await postLicenseRequest(client, deps, created.request);
    } catch (error) {
      deps.logger.warn('could not post a license request for the admins', { requestId: created.request.id, error });
      await tellUserSomehow(
        client,
        { userId: actor.userId },
        buildErrorMessage('Your request was saved, but I could not post it for the admins just now. They can still see it on their Home.'),
        deps.logger,
        { requestId: created.request.id },
      );
    }
  };
}
