import type { webApi } from '@slack/bolt';
import type { ExpiryNotifier, GrantNotice } from '../../licensing/schedule/ports.js';
import type { Logger } from '../../logger.js';
import { buildGrantNotice } from '../views/grants.js';

type Outcome = 'sent' | 'no_slack_user' | 'failed';

/**
 * Grant notices as plain DMs (`chat.postMessage` to the user), a few at a time. The WebClient waits
 * out a 429's Retry-After and tries again, so a large batch slows down instead of being dropped. A
 * learner is found by their Slack id, else by email (`users.lookupByEmail`); one without a Slack
 * account is reported, not retried. (Issue 9's paced learner queue can take this port's place.)
 */
export function createSlackExpiryNotifier(input: { client: webApi.WebClient; logger: Logger; concurrency?: number }): ExpiryNotifier {
  const { client, logger } = input;
  const concurrency = input.concurrency ?? 4;

  const recipient = async (notice: GrantNotice, byEmail: Map<string, string | null>): Promise<string | null> => {
    if ('userId' in notice.to) return notice.to.userId;
    if (notice.to.slackUserId) return notice.to.slackUserId;
    const email = notice.to.learnerEmail.toLowerCase();
    if (!byEmail.has(email)) {
      try {
        const res = await client.users.lookupByEmail({ email });
        byEmail.set(email, res.user?.id ?? null);
      } catch (error) {
        const code = (error as { data?: { error?: string } }).data?.error;
        if (code !== 'users_not_found') logger.warn('could not look a learner up in Slack', { error });
        byEmail.set(email, null);
      }
    }
    return byEmail.get(email) ?? null;
  };

  return {
    async send(notices) {
      const byEmail = new Map<string, string | null>();
      const results: { key: string; outcome: Outcome }[] = [];
      let next = 0;
      const worker = async () => {
        while (next < notices.length) {
          const notice = notices[next];
          next += 1;
          if (!notice) continue;
          const user = await recipient(notice, byEmail);
          if (!user) {
            results.push({ key: notice.key, outcome: 'no_slack_user' });
            continue;
          }
          const message = buildGrantNotice(notice);
          try {
            await client.chat.postMessage({ channel: user, text: message.text, blocks: message.blocks });
            results.push({ key: notice.key, outcome: 'sent' });
          } catch (error) {
            logger.warn('could not send a grant notice', { key: notice.key, error });
            results.push({ key: notice.key, outcome: 'failed' });
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, notices.length) }, worker));
      return results;
    },
  };
}
