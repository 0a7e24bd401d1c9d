import { z } from 'zod';
import { slackId } from './command.js';

const appHomeOpened = z.object({ type: z.literal('app_home_opened'), user: slackId, tab: z.string().optional() }).passthrough();

/** The `app_home_opened` event: who opened which tab (untrusted shape, checked). */
export function parseAppHomeOpened(event: unknown): { user: string; tab?: string } | null {
  const parsed = appHomeOpened.safeParse(event);
  return parsed.success ? { user: parsed.data.user, ...(parsed.data.tab ? { tab: parsed.data.tab } : {}) } : null;
}
