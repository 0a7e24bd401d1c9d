import type { webApi } from '@slack/bolt';
import type { Logger } from '../../logger.js';

/** The email Slack has for a user (`users.info`, scope users:read.email), or undefined. */
export async function userEmail(client: webApi.WebClient, userId: string, logger: Logger): Promise<string | undefined> {
  try {
    const res = await client.users.info({ user: userId });
    const email = (res.user as { profile?: { email?: string } } | undefined)?.profile?.email;
    return typeof email === 'string' && email.includes('@') ? email : undefined;
  } catch (error) {
    logger.warn('could not read the user’s email from Slack', { user: userId, error });
    return undefined;
  }
}
