import { LicenseError } from '../../../licensing/errors.js';
import { decideExtension } from '../../../licensing/schedule/extend.js';
import type { SlackDeps } from '../../deps.js';
import { extendedGrantsChanged, refreshExtensionMessage } from '../../flows/extension-flow.js';
import { ids } from '../../ids.js';
import { parseExtensionRef } from '../../parsers/timing.js';
import { tellUser } from '../../support/post.js';
import { respondWithError } from '../../support/respond.js';
import { buildNotice, slackDate } from '../../views/blocks.js';
import { actorOf, type ButtonArgs } from './button-args.js';

/** Approve / Reject of an extension past MAX_GRANT_DAYS: a lead decides, the first decision wins. */
export function handleExtensionDecision(deps: SlackDeps, decision: 'approved' | 'rejected') {
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const ref = parseExtensionRef(action.value);
      if (!ref) throw new LicenseError('invalid_input');
      const outcome = await decideExtension(deps.services, actor, ref.extensionId, decision);
      const request = outcome.request;
      if (outcome.kind === 'approved' || outcome.kind === 'rejected') {
        if (outcome.kind === 'approved') await extendedGrantsChanged(deps, request.target);
        await refreshExtensionMessage(client, deps, request).catch((error: unknown) =>
          deps.logger.warn('could not update the extension message', { error, extensionId: request.id }),
        );
        const sentence =
          outcome.kind === 'approved'
            ? `<@${actor.userId}> approved your extension: the license now ends ${slackDate(request.endsAt)}.`
            : `<@${actor.userId}> rejected your extension; the license still ends ${slackDate(request.previousEndsAt)}.`;
        await tellUser(client, request.requestedBy, buildNotice(sentence)).catch((error: unknown) =>
          deps.logger.warn('could not tell the requester about the extension', { error, extensionId: request.id }),
        );
        return;
      }
      const sentence =
        outcome.kind === 'expired'
          ? 'This extension was not decided before the license ended; nothing was changed.'
          : `This extension was already ${request.status}${request.decidedBy ? ` by <@${request.decidedBy}>` : ''}.`;
      await respond({ response_type: 'ephemeral', replace_original: false, ...buildNotice(sentence) });
    } catch (error) {
      await respondWithError(respond, error, deps.logger, {
        action: decision === 'approved' ? ids.extension.approve : ids.extension.reject,
        user: actor.userId,
      });
    }
  };
}
