import { requireAdmin } from '../../../licensing/admins.js';
import { learnerExportFor, spreadsheetSafe } from '../../../licensing/transfer/export.js';
import type { SlackDeps } from '../../deps.js';
import { openBulkModal } from '../../flows/open-bulk-modal.js';
import { openChangeModal } from '../../flows/open-change-modal.js';
import { ids } from '../../ids.js';
import { csvLine } from '../../support/csv.js';
import { replyWithError } from '../../support/reply.js';
import { actorOf, type ButtonArgs } from './button-args.js';

/** The admin Home's Reassign a learner: the change modal, with no learner picked yet. */
export function handleHomeReassign(deps: SlackDeps) {
  return async ({ ack, body, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      await requireAdmin(deps.services, actor, 'reassign');
      await openChangeModal(client, deps.services, {
        triggerId: body.trigger_id,
        mode: 'reassign',
        learner: null,
        userId: actor.userId,
        logger: deps.logger,
      });
    } catch (error) {
      await replyWithError({ body, respond, client }, error, deps.logger, { action: ids.home.reassign, user: actor.userId });
    }
  };
}

/** The admin Home's Bulk change: the bulk form. */
export function handleHomeBulk(deps: SlackDeps) {
  return async ({ ack, body, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      await openBulkModal(client, deps.services, actor, body.trigger_id, deps.logger);
    } catch (error) {
      await replyWithError({ body, respond, client }, error, deps.logger, { action: ids.home.bulk, user: actor.userId });
    }
  };
}

/**
 * The admin Home's Export learners: every learner as a CSV file in the admin's DM with the bot.
 * Unlike `license-bot export learners` (made to be imported again), each cell is made
 * spreadsheet-safe: this file is opened by people.
 */
export function handleHomeExport(deps: SlackDeps) {
  return async ({ ack, body, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const table = await learnerExportFor(deps.services, actor);
      const lines = [csvLine(table.columns)];
      for await (const record of table.records) lines.push(csvLine(record.map(spreadsheetSafe)));
      const dm = await client.conversations.open({ users: actor.userId });
      const channel = dm.channel?.id;
      if (!channel) throw new Error('Slack opened no DM channel');
      const date = deps.services.now().toISOString().slice(0, 10);
      await client.files.uploadV2({
        channel_id: channel,
        filename: `learners-${date}.csv`,
        title: `Learners on ${date}`,
        initial_comment: `Every learner (${(lines.length - 1).toLocaleString('en-US')}), with their groups, status and licenses.`,
        file: Buffer.from(`${lines.join('\n')}\n`, 'utf8'),
      });
    } catch (error) {
      await replyWithError({ body, respond, client }, error, deps.logger, { action: ids.home.exportLearners, user: actor.userId });
    }
  };
}
