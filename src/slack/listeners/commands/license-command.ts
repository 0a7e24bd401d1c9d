import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { addAdmin, isAdmin, listAdmins, removeAdmin, requireAdmin } from '../../../licensing/admins.js';
import { listBulkJobs, listPendingBulkRequests } from '../../../licensing/bulk-requests.js';
import { learnerCard, resolveLearner, searchLearners, seatOverview } from '../../../licensing/directory.js';
import { addLead, listLeads, removeLead } from '../../../licensing/leads.js';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { openChangeModal } from '../../open-change-modal.js';
import { parseCommandText } from '../../parsers/command.js';
import { respondWithError } from '../../respond.js';
import { buildAdminsMessage, buildNotice } from '../../views/admins.js';
import { buildJobsMessage, buildLeadsMessage, buildRequestsMessage } from '../../views/bulk-messages.js';
import { buildBulkModal } from '../../views/bulk-modal.js';
import { escapeMrkdwn } from '../../views/blocks.js';
import { buildHelpMessage } from '../../views/help.js';
import { buildLearnerCard } from '../../views/learner-card.js';
import { buildSeatsMessage } from '../../views/seats.js';

/** `/license …`: acks at once, then parses the text and runs one use case. */
export function handleLicenseCommand(deps: SlackDeps) {
  return async ({ command, ack, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    await ack();
    const actor = { userId: command.user_id, channelId: command.channel_id };
    const parsed = parseCommandText(command.text ?? '');
    const reply = (message: { text: string; blocks?: unknown[] }) => respond({ response_type: 'ephemeral', ...message } as Parameters<typeof respond>[0]);
    const log = { command: parsed.sub, user: actor.userId, channel: actor.channelId };
    try {
      switch (parsed.sub) {
        case 'help':
          await reply(buildHelpMessage(await isAdmin(deps.licensing, actor.userId)));
          return;
        case 'unknown':
          await reply(buildHelpMessage(await isAdmin(deps.licensing, actor.userId), parsed.problem ?? `\`${escapeMrkdwn(parsed.word)}\` is not a /license command.`));
          return;
        case 'seats':
          await reply(buildSeatsMessage(await seatOverview(deps.licensing)));
          return;
        case 'bulk': {
          await requireAdmin(deps.licensing, actor, 'bulk.open');
          const [types, groups] = await Promise.all([deps.licensing.store.listLicenseTypes(), deps.licensing.store.listGroups(100)]);
          await client.views.open({ trigger_id: command.trigger_id, view: buildBulkModal({ channelId: actor.channelId, types, groups }) });
          return;
        }
        case 'jobs': {
          const [jobs, types] = await Promise.all([listBulkJobs(deps.bulk, 10), deps.licensing.store.listLicenseTypes()]);
          await reply(buildJobsMessage(jobs, new Map(types.map((t) => [t.key, t.name]))));
          return;
        }
        case 'requests': {
          const [pending, types] = await Promise.all([listPendingBulkRequests(deps.bulk, 20), deps.licensing.store.listLicenseTypes()]);
          await reply(buildRequestsMessage(pending, new Map(types.map((t) => [t.key, t.name]))));
          return;
        }
        case 'leads': {
          if (parsed.action === 'list') {
            await reply(buildLeadsMessage(await listLeads(deps.bulk)));
            return;
          }
          if (parsed.action === 'add') {
            const result = await addLead(deps.bulk, actor, parsed.userId, parsed.groups);
            const scope = parsed.groups.length ? ` for ${escapeMrkdwn(parsed.groups.join(', '))}` : ' for every group';
            const sentence =
              result === 'from_config'
                ? `<@${parsed.userId}> is a team lead from LICENSE_APPROVERS already (every group).`
                : `<@${parsed.userId}> is now a team lead${scope}.`;
            await reply(buildNotice(sentence));
            return;
          }
          const removed = await removeLead(deps.bulk, actor, parsed.userId);
          await reply(buildNotice(removed ? `<@${parsed.userId}> is no longer a team lead.` : `<@${parsed.userId}> was not a team lead added from Slack.`));
          return;
        }
        case 'reassign':
        case 'add':
        case 'revoke': {
          await requireAdmin(deps.licensing, actor, parsed.sub);
          const { learner } = parsed.query ? await resolveLearner(deps.licensing, parsed.query) : { learner: null };
          await openChangeModal(client, deps.licensing, { triggerId: command.trigger_id, mode: parsed.sub, channelId: actor.channelId, learner });
          return;
        }
        case 'show': {
          await requireAdmin(deps.licensing, actor, 'show');
          if (!parsed.query) {
            await reply(buildNotice('Tell me whom to show, for example `/license show ada@example.com`.'));
            return;
          }
          const { learner } = await resolveLearner(deps.licensing, parsed.query);
          if (learner) {
            await reply(buildLearnerCard(await learnerCard(deps.licensing, learner.id), true));
            return;
          }
          const matches = await searchLearners(deps.licensing, parsed.query, 10);
          if (matches.length === 0) {
            await reply(buildNotice(`No learner matches “${escapeMrkdwn(parsed.query)}”.`));
            return;
          }
          const list = matches.map((l) => `• ${escapeMrkdwn(l.name)} · ${escapeMrkdwn(l.email)}`).join('\n');
          await reply(buildNotice(`Several learners match “${escapeMrkdwn(parsed.query)}”; use an email to pick one:\n${list}`));
          return;
        }
        case 'admins': {
          if (parsed.action === 'list') {
            await reply(buildAdminsMessage(await listAdmins(deps.licensing)));
            return;
          }
          if (parsed.action === 'add') {
            const added = await addAdmin(deps.licensing, actor, parsed.userId);
            await reply(buildNotice(added ? `<@${parsed.userId}> is now a license admin.` : `<@${parsed.userId}> was already a license admin.`));
            return;
          }
          const removed = await removeAdmin(deps.licensing, actor, parsed.userId);
          await reply(buildNotice(removed ? `<@${parsed.userId}> is no longer a license admin.` : `<@${parsed.userId}> was not a license admin.`));
          return;
        }
      }
    } catch (error) {
      await respondWithError(respond, error, deps.logger, log);
    }
  };
}

/** Registers `/license`. */
export function register(app: App, deps: SlackDeps): void {
  app.command(ids.command, handleLicenseCommand(deps));
}
