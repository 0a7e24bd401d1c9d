import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import type { SlackDeps } from '../../deps.js';
import { importUsageFromSlack, looksLikeCsv } from '../../flows/import-usage-file.js';
import { slackFileSchema } from '../../parsers/files.js';

const fileShare = z
  .object({
    channel_type: z.literal('im'),
    user: z.string().regex(/^[UW][A-Z0-9]+$/),
    files: z.array(slackFileSchema).min(1),
  })
  .passthrough();

/** A CSV shared in the bot's DM by an admin: imported as a usage report, with the outcome told in the DM. */
export function handleUsageFileShared(deps: SlackDeps) {
  return async ({ event, client }: SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs) => {
    const parsed = fileShare.safeParse(event);
    if (!parsed.success) return;
    const file = parsed.data.files[0];
    if (!file || !looksLikeCsv(file)) return;
    await importUsageFromSlack(client, deps, parsed.data.user, file);
  };
}
