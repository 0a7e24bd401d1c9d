import { Readable } from 'node:stream';
import type { webApi } from '@slack/bolt';
import { readCsv } from '../../csv.js';
import { requireAdmin } from '../../licensing/admins.js';
import { slackActor } from '../../licensing/model.js';
import { ImportRejected } from '../../licensing/transfer/table.js';
import { importUsage } from '../../licensing/usage/usage-import.js';
import type { SlackDeps } from '../deps.js';
import type { SlackFile } from '../parsers/files.js';
import { tellUser } from '../support/post.js';
import { userSentence } from '../support/respond.js';
import { buildErrorMessage, escapeMrkdwn, section } from '../views/blocks.js';
import { buildUsageImportedMessage } from '../views/reclaim.js';

/** Slack's own limit for a file_input upload is 10 MB; a file shared in a DM may be larger. */
const MAX_BYTES = 50 * 1024 * 1024;

/** True for what can be a CSV usage report (by name or Slack's file type). */
export function looksLikeCsv(file: Pick<SlackFile, 'name' | 'filetype'>): boolean {
  return /\.csv$/i.test(file.name) || file.filetype === 'csv';
}

/**
 * Imports a usage report an admin gave the bot in Slack (shared in its DM, or uploaded in the
 * `/license usage` form): downloads it with the bot token — only from Slack's own file host, or
 * the configured API's in tests — imports it with the whole-file check, and tells the admin in
 * their DM what was imported or, line by line, why nothing was.
 */
export async function importUsageFromSlack(client: webApi.WebClient, deps: SlackDeps, userId: string, file: SlackFile): Promise<void> {
  try {
    await requireAdmin(deps.services, slackActor(userId), 'usage.import');
    if (!file.url_private_download || (file.size ?? 0) > MAX_BYTES) throw new Error('the file cannot be downloaded');
    const url = file.url_private_download;
    const api = new URL(deps.apiUrl);
    const host = new URL(url).host;
    if (!host.endsWith('.slack.com') && host !== api.host) throw new Error('the file is not on Slack');
    const res = await fetch(url, { headers: { authorization: `Bearer ${deps.botToken}` } });
    if (!res.ok) throw new Error(`download failed with HTTP ${res.status}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const summary = await importUsage(
      deps.services,
      { rows: () => readCsv(Readable.from([bytes])), fileName: file.name },
      { actor: slackActor(userId) },
    );
    // Who is idle changed: admins' Homes count idle seats again.
    deps.homes.usageChanged();
    await tellUser(client, userId, buildUsageImportedMessage(file.name, summary));
  } catch (error) {
    if (error instanceof ImportRejected) {
      const lines = error.problems.slice(0, 20).map((p) => `• ${p.line !== undefined ? `line ${p.line}: ` : ''}${escapeMrkdwn(p.message)}`);
      const more = error.problems.length > 20 ? `\n… and ${error.problems.length - 20} more` : '';
      await tellUser(client, userId, {
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
        : userSentence(error, deps.logger, { action: 'usage.import', user: userId });
    await tellUser(client, userId, buildErrorMessage(sentence)).catch((cause: unknown) =>
      deps.logger.warn('could not report a usage import failure', { cause }),
    );
  }
}
