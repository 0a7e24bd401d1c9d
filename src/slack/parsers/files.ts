import { z } from 'zod';
import { ids } from '../ids.js';

/** A file as Slack describes it in a DM's file share or a modal's file_input (untrusted). */
export const slackFileSchema = z
  .object({
    id: z.string().min(1).max(100),
    name: z.string().max(300).default('usage.csv'),
    size: z.number().nonnegative().optional(),
    url_private_download: z.string().url().optional(),
    filetype: z.string().max(50).optional(),
  })
  .passthrough();
export type SlackFile = z.infer<typeof slackFileSchema>;

const usageModalState = z.object({
  [ids.usageModal.fileBlock]: z.object({
    [ids.usageModal.fileInput]: z.object({ files: z.array(slackFileSchema).max(10).default([]) }).passthrough(),
  }),
});

/** The files uploaded in the `/license usage` form; empty when the state is not what the form sends. */
export function readUsageModalFiles(values: unknown): SlackFile[] {
  const parsed = usageModalState.safeParse(values);
  return parsed.success ? parsed.data[ids.usageModal.fileBlock][ids.usageModal.fileInput].files : [];
}
