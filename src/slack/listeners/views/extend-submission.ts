import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { slackActor } from '../../../licensing/model.js';
import { type ExtendOutcome, extendGrants } from '../../../licensing/schedule/extend.js';
import type { SlackDeps } from '../../deps.js';
import { extendedGrantsChanged, sendExtensionForApproval } from '../../flows/extension-flow.js';
import { ids } from '../../ids.js';
import { parseExtendModalMetadata, readTiming } from '../../parsers/timing.js';
import { withinAckBudget } from '../../support/ack-budget.js';
import { tellUserSomehow } from '../../support/post.js';
import { userSentence } from '../../support/respond.js';
import { buildNotice } from '../../views/blocks.js';
import { shownIn } from '../../views/timing.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** The extend modal submitted: moves the end now, or (past MAX_GRANT_DAYS) asks the team leads. */
export function handleExtendSubmission(deps: SlackDeps) {
  return async ({ ack, body, view, client }: ViewArgs) => {
    const until = ids.timing.untilDateBlock;
    const metadata = parseExtendModalMetadata(view.private_metadata);
    if (!metadata) {
      await ack({ response_action: 'errors', errors: { [until]: 'This form is out of date. Close it and click Extend again.' } });
      return;
    }
    const { timing, errors } = readTiming(view.state.values, metadata.timeZone);
    if (!timing.until && !Object.keys(errors).length) errors[until] = 'Pick the new end.';
    if (!timing.until || Object.keys(errors).length) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    const reason = (view.state.values[ids.extendModal.reasonBlock]?.[ids.extendModal.reasonInput]?.value ?? '').trim().slice(0, 500);
    const actor = slackActor(body.user.id, metadata.channelId);
    let outcome: ExtendOutcome;
    try {
      outcome = await withinAckBudget(
        extendGrants(deps.services, actor, { target: metadata.target, endsAt: timing.until, reason, timeZone: metadata.timeZone }),
      );
    } catch (error) {
      const sentence = userSentence(error, deps.logger, { view: ids.extendModal.callback, user: actor.userId });
      await ack({ response_action: 'errors', errors: { [until]: sentence } });
      return;
    }
    await ack();
    const target = { userId: actor.userId, ...(actor.channelId ? { channelId: actor.channelId } : {}) };
    if (outcome.kind === 'extended') {
      await extendedGrantsChanged(deps, metadata.target);
      const who = outcome.learners === 1 ? 'The license' : `The licenses of ${outcome.learners.toLocaleString('en-US')} learners`;
      await tellUserSomehow(
        client,
        target,
        buildNotice(
          `:white_check_mark: ${who} now end ${shownIn(outcome.endsAt, metadata.timeZone)} (was ${shownIn(outcome.previousEndsAt, metadata.timeZone)}).`,
        ),
        deps.logger,
        { view: ids.extendModal.callback },
      );
      return;
    }
    try {
      const channel = await sendExtensionForApproval(client, deps, outcome.request, metadata.channelId);
      const where = channel.startsWith('C') || channel.startsWith('G') ? ` in <#${channel}>` : '';
      await tellUserSomehow(
        client,
        target,
        buildNotice(`That goes past MAX_GRANT_DAYS, so I sent it to the team leads${where}. You will hear their decision here.`),
        deps.logger,
        { extensionId: outcome.request.id },
      );
    } catch (error) {
      deps.logger.error('could not post the extension for approval', { error, extensionId: outcome.request.id });
      await tellUserSomehow(
        client,
        target,
        buildNotice('The extension needs a team lead, but I could not post it for them. Nothing was changed; please try again later.'),
        deps.logger,
        { extensionId: outcome.request.id },
      );
    }
  };
}
