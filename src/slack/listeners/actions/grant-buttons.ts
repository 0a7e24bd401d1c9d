import { LicenseError } from '../../../licensing/errors.js';
import { askForExtension, prepareExtension } from '../../../licensing/schedule/extend.js';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { parseGrantTarget } from '../../parsers/timing.js';
import { tellUser } from '../../support/post.js';
import { replyToClicker, replyWithError } from '../../support/reply.js';
import { userTimeZone } from '../../support/time-zone.js';
import { userEmail } from '../../support/user-email.js';
import { buildNotice } from '../../views/blocks.js';
import { buildExtendModal, buildExtensionAskMessage } from '../../views/grants.js';
import { actorOf, type ButtonArgs } from './button-args.js';

/** An admin's Extend (a grant notice, a learner card, the App Home): opens the extend modal in their time zone. */
export function handleGrantExtend(deps: SlackDeps) {
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const target = parseGrantTarget(action.value);
      if (!target) throw new LicenseError('invalid_input');
      const [prepared, timeZone] = await Promise.all([
        prepareExtension(deps.services, actor, target),
        userTimeZone(client, actor.userId, deps.logger),
      ]);
      await client.views.open({
        trigger_id: body.trigger_id,
        view: buildExtendModal({
          target,
          ...prepared,
          timeZone,
          ...(actor.channelId ? { channelId: actor.channelId } : {}),
          ...(deps.services.maxGrantDays !== undefined ? { maxGrantDays: deps.services.maxGrantDays } : {}),
        }),
      });
    } catch (error) {
      await replyWithError({ body, respond, client }, error, deps.logger, { action: ids.grant.extend, user: actor.userId });
    }
  };
}

/** A learner's "Ask for more time" (their notice, their App Home): the admin who granted the license is asked, with Extend. */
export function handleGrantAskExtend(deps: SlackDeps) {
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    const clicker = { body, respond, client };
    try {
      const target = parseGrantTarget(action.value);
      if (!target || !('grantId' in target)) throw new LicenseError('invalid_input');
      const email = await userEmail(client, actor.userId, deps.logger);
      const { grant, learner } = await askForExtension(deps.services, actor, target.grantId, email);
      const types = await deps.services.store.listLicenseTypes();
      await tellUser(
        client,
        grant.grantedBy,
        buildExtensionAskMessage({
          learnerName: learner.name,
          learnerEmail: learner.email,
          grant,
          typeNames: new Map(types.map((t) => [t.key, t.name])),
        }),
      );
      await replyToClicker(clicker, buildNotice(`I asked <@${grant.grantedBy}>, who granted it, for more time. They will decide.`));
    } catch (error) {
      await replyWithError(clicker, error, deps.logger, { action: ids.grant.askExtend, user: actor.userId });
    }
  };
}
