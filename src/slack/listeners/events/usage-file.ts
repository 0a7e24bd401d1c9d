import { Readable } from 'node:stream';
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { readCsv } from '../../../cli/csv.js';
import { requireAdmin } from '../../../licensing/admins.js';
import { slackActor } from '../../../licensing/model.js';
import { ImportRejected } from '../../../licensing/transfer/table.js';
import { importUsage } from '../../../licensing/usage/usage-import.js';
import type { SlackDeps } from '../../deps.js';
import { tellUser } from '../../support/post.js';
import { userSentence } from '../../support/respond.js';
import { buildErrorMessage, escapeMrkdwn, section } from '../../views/blocks.js';
import { buildUsageImportedMessage } from '../../views/reclaim.js';

const MAX_BYTES = 50 * 1024 * 1024;

const fileShare = z
  .object({
    channel_type: z.literal('im'),
    user: z.string().regex(/^[UW][A-Z0-9]+$/),
    files: z
      .array(
        z
          .object({
            id: z.string(),
            name: z.string().max(300).default('usage.csv'),
            size: z.number().optional(),
            url_private_download: z.string().url().optional(),
            filetype: z.string().optional(),
          })
          .passthrough(),
      )
      .min(1),
  })
  .passthrough();

/** A CSV shared in the bot's DM by an admin: imported as a usage report, with the outcome told in the DM. */
export function handleUsageFileShared(deps: SlackDeps) {
  return async ({ event, client }: SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs) => {
    const parsed = fileShare.safeParse(event);
    if (!parsed.success) return;
    const { user, files } = parsed.data;
    const file = files[0]!;
    if (!/\.csv$/i.test(file.name) && file.filetype !== 'csv') return;
    try {
      await requireAdmin(deps.services, slackActor(user), 'usage.import');
      if (!file.url_private_download || (file.size ?? 0) > MAX_BYTES) throw new Error('the file cannot be downloaded');
      const url = file.url_private_download;
      // Only Slack's own file host (or the configured API's, in tests) gets the bot token.
      const api = new URL(deps.apiUrl);
      const host = new URL(url).host;
      if (!host.endsWith('.slack.com') && host !== 'files.slack.com' && host !== api.host) throw new Error('the file is not on Slack');
      const res = await fetch(url, { headers: { authorization: `Bearer ${deps.botToken}` } });
      if (!res.ok) throw new Error(`download failed with HTTP ${res.status}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      const summary = await importUsage(
        deps.services,
        { rows: () => readCsv(Readable.from([bytes])), fileName: file.name },
        { actor: slackActor(user) },
      );
      // Who is idle changed: admins' Homes count idle seats again.
      deps.homes.usageChanged();
      await tellUser(client, user, buildUsageImportedMessage(file.name, summary));
    } catch (error) {
      if (error instanceof ImportRejected) {
        const lines = error.problems
          .slice(0, 20)
          .map((p) => `• ${p.line !== undefined ? `line ${p.line}: ` : ''}${escapeMrkdwn(p.message)}`);
        const more = error.problems.length > 20 ? `\n… and ${error.problems.length - 20} more` : '';
        await tellUser(client, user, {
          text: error.message,
          blocks: [
            section(`:warning: *${escapeMrkdwn(file.name)}*: ${escapeMrkdwn(error.message)}\n${lines.join('\n')}${more}`.slice(0, 3000)),
          ],
        }).catch((cause: unknown) => deps.logger.warn('could not report a refused usage file', { cause }));
        return;
      }
      const sentence =
        error instanceof Error && !('code' in error)
          ? `I could not import ${file.name}: ${error.message}.`
          : userSentence(error, deps.logger, { event: 'file_share', user });
      await tellUser(client, user, buildErrorMessage(sentence)).catch((cause: unknown) =>
        deps.logger.warn('could not report a usage import failure', { cause }),
      );
    }
  };
}
