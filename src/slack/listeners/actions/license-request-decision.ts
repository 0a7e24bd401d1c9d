import { approveLicenseRequest, denyLicenseRequest, type LicenseRequestDecision } from '../../../licensing/self-service/requests.js';
import type { SlackDeps } from '../../deps.js';
import { announceLicenseRequestDecision } from '../../flows/license-request-flow.js';
import { ids } from '../../ids.js';
import { type ClickContext, replyToClicker, replyWithError } from '../../support/reply.js';
import { buildNotice } from '../../views/blocks.js';
import { buildAlreadyDecidedNotice, licenseRequestOutcome } from '../../views/license-requests.js';
import { actorOf, type ButtonArgs, requestIdOf } from './button-args.js';

/** Approve on a learner's request (requests channel or an admin's Home): applied through the engine, exactly once. */
export function handleLicenseRequestApprove(deps: SlackDeps) {
  return decisionHandler(deps, ids.licenseRequest.approve, (actor, requestId) => approveLicenseRequest(deps.services, actor, requestId));
}

/** Deny on a learner's request (after Slack's confirmation dialog). */
export function handleLicenseRequestDeny(deps: SlackDeps) {
  return decisionHandler(deps, ids.licenseRequest.deny, (actor, requestId) => denyLicenseRequest(deps.services, actor, requestId));
}

function decisionHandler(
  deps: SlackDeps,
  actionId: string,
  decide: (actor: ReturnType<typeof actorOf>, requestId: string) => Promise<LicenseRequestDecision>,
) {
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    const clicker: ClickContext = { body, respond, client };
    try {
      const outcome = await decide(actor, requestIdOf(action));
      if (outcome.kind === 'already_decided') {
        await replyToClicker(clicker, buildAlreadyDecidedNotice(outcome.request));
        return;
      }
      deps.homes.staffChanged();
      deps.homes.usersChanged([outcome.request.requestedBy]);
      await announceLicenseRequestDecision(client, deps, outcome.request).catch((error: unknown) =>
        deps.logger.warn('could not update the license request message', { requestId: outcome.request.id, error }),
      );
      // The message says it for everyone; a click on a Home, or a failure, also gets its own answer.
      if (outcome.kind === 'failed' || !outcome.request.message) {
        await replyToClicker(clicker, buildNotice(licenseRequestOutcome(outcome.request)));
      }
    } catch (error) {
      // Refusals (not an admin, seats short) are the clicker's alone; the request stays as it was.
      await replyWithError(clicker, error, deps.logger, { action: actionId, user: actor.userId });
    }
  };
}
